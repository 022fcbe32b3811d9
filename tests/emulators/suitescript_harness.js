// Runs SFNS's User Event script (deploy/netsuite) under Node with stand-ins for the N/ modules
// it uses, for tests/emulators/test_netsuite_script.py. Reads {"script": path, "secrets": {id:
// value}, "cases": [...]} on stdin; writes one result a case on stdout: the POSTs the script
// made and the records it loaded. A case: {"type": "edit", "context": "USERINTERFACE",
// "user": 7, "params": {...}, "old": {...}, "new": {...}, "saved": {...}}: record values by
// SuiteScript field id; "saved" is what record.load finds after the save.
'use strict';

const nodeCrypto = require('crypto');
const fs = require('fs');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
let factory = null;
global.define = (modules, make) => { factory = {modules, make}; };
require(input.script);

const fakeRecord = (values, id) => values && {
    id: id,
    type: 'customer',
    getValue: ({fieldId}) => (fieldId in values ? values[fieldId] : null),
    getFields: () => Object.keys(values)
};

const run = (kase) => {
    const posts = [];
    const loaded = [];
    const modules = {
        'N/https': {post: (options) => { posts.push(options); return {code: 200, body: ''}; }},
        'N/crypto': {
            HashAlg: {SHA256: 'sha256'},
            createSecretKey: ({secret}) => ({secret}),
            createHmac: ({algorithm, key}) => {
                const hmac = nodeCrypto.createHmac(algorithm, input.secrets[key.secret]);
                return {
                    update: ({input: text}) => hmac.update(text, 'utf8'),
                    digest: () => hmac.digest('hex').toUpperCase()
                };
            }
        },
        'N/encode': {Encoding: {UTF_8: 'UTF_8', HEX: 'HEX'}},
        'N/runtime': {
            ContextType: {REST_WEBSERVICES: 'RESTWEBSERVICES', USER_INTERFACE: 'USERINTERFACE'},
            executionContext: kase.context,
            getCurrentUser: () => ({id: kase.user}),
            getCurrentScript: () => ({
                getParameter: ({name}) => (name in kase.params ? kase.params[name] : null)
            })
        },
        'N/record': {
            load: ({type, id}) => { loaded.push({type, id}); return fakeRecord(kase.saved, id); }
        },
        'N/log': {error: () => {}, debug: () => {}, audit: () => {}}
    };
    const script = factory.make(...factory.modules.map((name) => modules[name]));
    const UserEventType = {
        CREATE: 'create', EDIT: 'edit', XEDIT: 'xedit', DELETE: 'delete', VIEW: 'view'
    };
    script.afterSubmit({
        type: kase.type,
        UserEventType: UserEventType,
        oldRecord: fakeRecord(kase.old, kase.id),
        newRecord: fakeRecord(kase.new, kase.id)
    });
    return {posts, loaded};
};

process.stdout.write(JSON.stringify(input.cases.map(run)));
