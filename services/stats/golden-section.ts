/**
 * Golden-section search for the maximum of a unimodal function on an interval, with a fixed
 * number of steps (no tolerance test: the result is deterministic and the cost known). Each step
 * shrinks the bracket by 0.618; 60 steps take a bracket of width 6 to 1.7e−12.
 */
export function goldenSectionMax(
  f: (x: number) => number,
  lo: number,
  hi: number,
  steps: number,
): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let it = 0; it < steps; it++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}
