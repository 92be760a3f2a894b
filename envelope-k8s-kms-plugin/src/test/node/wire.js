// Calls the Envelope KMS v2 plugin over its Unix socket as kube-apiserver would, with grpc-js and
// the service definition loaded from the .proto at run time (no generated code): Status, Encrypt of
// a random 32-byte seed, Decrypt with the returned triple and a fresh uid, and two refusals.
// Prints one JSON object with what it saw; the Java test judges it.
'use strict';
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protoPath, socket] = process.argv.slice(2);
const definition = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, defaults: true });
const v2 = grpc.loadPackageDefinition(definition).v2;
const client = new v2.KeyManagementService('unix://' + socket, grpc.credentials.createInsecure());

function call(method, request) {
  return new Promise((resolve) => {
    client[method](request, { deadline: Date.now() + 10000 }, (error, response) => {
      resolve(error ? { code: grpc.status[error.code], details: error.details } : { response });
    });
  });
}

(async () => {
  const out = {};
  const status = await call('Status', {});
  out.status = status.response;
  const seed = crypto.randomBytes(32);
  const encrypted = await call('Encrypt', { plaintext: seed, uid: crypto.randomUUID() });
  const e = encrypted.response;
  out.encrypt = { keyId: e.key_id, ciphertextBytes: e.ciphertext.length, annotations: Object.keys(e.annotations) };
  const decrypted = await call('Decrypt', {
    ciphertext: e.ciphertext, uid: crypto.randomUUID(), key_id: e.key_id, annotations: e.annotations,
  });
  out.decryptMatches = Buffer.compare(decrypted.response.plaintext, seed) === 0;
  out.unknownKeyId = await call('Decrypt', {
    ciphertext: e.ciphertext, uid: crypto.randomUUID(), key_id: 'someone-else:1', annotations: e.annotations,
  });
  const tampered = Buffer.from(e.ciphertext);
  tampered[tampered.length - 1] ^= 1;
  out.tampered = await call('Decrypt', {
    ciphertext: tampered, uid: crypto.randomUUID(), key_id: e.key_id, annotations: e.annotations,
  });
  console.log(JSON.stringify(out));
  client.close();
})().catch((err) => { console.error(err); process.exit(1); });
