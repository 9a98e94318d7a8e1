/** The text after the option list in `vigil drift compare --help`: inputs, the JSON contract, exit codes. */
export const COMPARE_HELP_EPILOG = `
Input files
  CSV (.csv): a header row, then one row per record; RFC 4180 quoting ("a,b", "say ""hi"""),
  CRLF or LF line ends. Every row must have as many fields as the header.
  JSON Lines (.jsonl, .ndjson, .jsonlines): one object per line, either flat ({"amount": 12.5,
  "country": "DE"}) or the Vigil event form: features.<name> -> numeric column <name>,
  categorical.<name> -> categorical column <name>, prediction.label -> categorical column
  "prediction.label", prediction.confidence -> numeric column "prediction.confidence"; the other
  event fields are ignored. --format-in overrides the extension.
  Empty (or whitespace-only) cells and JSON nulls are missing values and are dropped, as Evidently
  drops NaN. A column with no values at all in either file is an error.

Column kinds
  Inferred on the reference: numeric when every non-empty value is a finite decimal number,
  categorical otherwise; --numeric/--categorical override. The current file must follow the
  reference's kinds: a non-number in a numeric column is an error. Only columns present in both
  files are compared (the others are listed on stderr).

Methods (Evidently's defaults, per column)
  reference <= 1000 rows: numeric with > 5 distinct values -> ks (p-value, drift when <= 0.05);
  otherwise chiSquare (> 2 distinct) or z (p < 0.05). Reference > 1000 rows: numeric with > 5
  distinct values -> wasserstein (normalized, drift when >= 0.1); otherwise jensenShannon (>= 0.1).
  --stattest forces one method for every column (ks, chiSquare, z, wasserstein, jensenShannon,
  psi; Evidently's spellings chisquare/jensenshannon too); --stattest-threshold sets its threshold.
  The dataset drifts when drifted columns / compared columns >= --threshold-share (0.5).

KS cost (--ks auto|always|never, default auto)
  Above 10,000 rows the KS p-value (asymptotic distribution, as scipy) costs ~0.1-0.3 s per
  column: 100 columns x 100k rows take ~28 s with KS instead of ~16 s. So by default KS is
  computed only when it is the verdict method or both samples have <= 10,000 rows. "always"
  computes it for every numeric column; "never" only when it is the verdict method. When KS is
  not computed the "ks" key is absent. Every other number is identical in all three modes.

--format json (stdout)
  {"features": {"<column>": {
      "kind": "numeric" | "categorical",
      "ks": {"statistic": n, "pValue": n},                 numeric, when computed (see --ks)
      "wasserstein": {"value": n, "normalized": n},        numeric
      "psi": {"referenceDeciles": n, "evidently": n},      numeric
      "jensenShannon": {"evidently": n},
      "chiSquare": {"statistic": n, "pValue": n},          categorical, or verdict chiSquare
      "verdict": {"method": "ks"|"chiSquare"|"z"|"wasserstein"|"jensenShannon"|"psi",
                  "score": n, "threshold": n, "drifted": true|false},
      "z": {"statistic": n, "pValue": n},                  when the verdict is the z-test
      "referenceSize": n, "currentSize": n,                values compared (missing dropped)
      "distinctValues": n}},                               distinct values in both samples
   "dataset": {"driftedShare": n, "threshold": n, "drifted": true|false,
               "driftedCount": n, "columns": n}}
  Keys are absent where they do not apply; keys may be added in later versions, never removed.
  NaN and +/-Infinity cannot be JSON numbers: they are written as null (e.g. a chi-square
  statistic of Infinity when the current data holds a category the reference never saw, with
  pValue 0). Every n is therefore a number or null.

Exit codes
  0  compared (drifted or not)
  2  bad input: unreadable or malformed file (the message names file:line and the column), bad
     option, no column in common
  3  the dataset drifted and --fail-on-drift was given

Examples
  vigil drift compare --reference ref.csv --current today.csv
  vigil drift compare --reference ref.jsonl --current events.jsonl --format json --fail-on-drift
  vigil drift compare --reference a.csv --current b.csv --columns amount,country --categorical zip
`;
