/* global process, console, fetch */
// Smoke test of a running registry's Confluent API through @kafkajs/confluent-schema-registry:
// register an Avro schema, encode/decode, then with compatibility BACKWARD on the subject an
// incompatible version must be refused (409) and a compatible one accepted.
//
//   node infra/native/registry/smoke.mjs [http://127.0.0.1:8081/apis/ccompat/v7]
//
// Uses a fresh subject each run, so it can be repeated against a live registry. Exit code 0 = ok.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';

const base =
  process.argv[2] || process.env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081/apis/ccompat/v7';
const subject = `smoke-${Date.now()}-value`;
const avro = (schema) => ({ type: SchemaType.AVRO, schema: JSON.stringify(schema) });
const v1 = {
  type: 'record',
  name: 'Smoke',
  namespace: 'vigil',
  fields: [{ name: 'id', type: 'string' }],
};
const incompatible = { ...v1, fields: [...v1.fields, { name: 'req', type: 'int' }] };
const compatible = { ...v1, fields: [...v1.fields, { name: 'opt', type: 'int', default: 0 }] };

let passed = 0;
function check(cond, what) {
  if (!cond) throw new Error(`smoke: ${what}`);
  passed += 1;
  console.log(`ok - ${what}`);
}

const registry = new SchemaRegistry({ host: base });
const { id } = await registry.register(avro(v1), { subject });
check(Number.isInteger(id), `registered ${subject} as id ${id}`);
const bytes = await registry.encode(id, { id: 'a' });
check(bytes[0] === 0 && bytes.readInt32BE(1) === id, 'Confluent wire format (magic 0 + schema id)');
const back = await registry.decode(bytes);
check(back.id === 'a', 'decode returns the record');

const put = await fetch(`${base}/config/${subject}`, {
  method: 'PUT',
  headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
  body: JSON.stringify({ compatibility: 'BACKWARD' }),
});
check(put.ok, `PUT /config/${subject} BACKWARD -> ${put.status}`);

let refused;
try {
  await registry.register(avro(incompatible), { subject });
} catch (e) {
  refused = e;
}
check(
  refused && refused.status === 409,
  `incompatible version refused (${refused && refused.message})`,
);
const v2 = await registry.register(avro(compatible), { subject });
check(v2.id !== id, `compatible version accepted as id ${v2.id}`);
const back2 = await registry.decode(await registry.encode(v2.id, { id: 'b', opt: 7 }));
check(back2.opt === 7, 'v2 encode/decode');
console.log(`smoke: ${passed} passed, 0 failed`);
