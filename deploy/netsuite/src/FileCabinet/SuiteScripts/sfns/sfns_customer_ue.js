/**
 * SFNS customer webhook: a User Event script for the Customer record.
 *
 * After every create, edit, inline edit (xedit) or delete of a customer it POSTs the customer to
 * SFNS, signed with HMAC-SHA256 of "<timestamp>.<body>" keyed by SFNS_WEBHOOK_SECRET, so SFNS
 * keeps the "Salesforce Lock Record" box and the financials current without polling.
 *
 * Deploy: with the SuiteCloud project this file belongs to (deploy/netsuite in SFNS's repository:
 * `suitecloud project:deploy`). It creates the two customer fields, this script's record with its
 * parameters, and a released deployment on Customer for all roles. Before deploying, create an
 * API secret (Setup > Company > API Secrets) with the id _sfns_webhook (script id
 * custsecret_sfns_webhook) holding SFNS_WEBHOOK_SECRET and allowed for this script, and set
 * custscript_sfns_url in Objects/customscript_sfns_customer_ue.xml to your SFNS host: a deploy
 * puts back the parameter values that file holds.
 *
 * Without SDF (the fallback): Customization > Scripting > Scripts > New, upload this file,
 * deploy on Customer, status Released, no event type (the script picks its own). Script
 * parameters:
 *   custscript_sfns_url     https://<your SFNS host>/webhooks/netsuite/customer/
 *   custscript_sfns_secret  the script id of the API secret holding SFNS_WEBHOOK_SECRET
 *                           (custsecret_sfns_webhook)
 *   custscript_sfns_lock_field   optional: the lock checkbox's field id, if SFNS's
 *                                "NetSuite lock field id" setting is not the default
 *                                custentity_sfns_lock_record
 *   custscript_sfns_sfid_field   optional: likewise the Salesforce ID field
 *                                (default custentity_sfns_salesforce_id)
 *
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 */
define(['N/https', 'N/crypto', 'N/encode', 'N/runtime', 'N/log'],
    (https, crypto, encode, runtime, log) => {
        const STANDARD_FIELDS = ['companyname', 'entityid', 'email', 'phone', 'url',
            'externalid', 'balance', 'overduebalance', 'creditlimit', 'daysoverdue',
            'unbilledorders', 'depositbalance'];
        // SFNS speaks the REST record field ids (companyName, overdueBalance, ...).
        const REST_NAMES = {
            companyname: 'companyName', entityid: 'entityId', externalid: 'externalId',
            overduebalance: 'overdueBalance', creditlimit: 'creditLimit',
            daysoverdue: 'daysOverdue', unbilledorders: 'unbilledOrders',
            depositbalance: 'depositBalance'
        };

        const afterSubmit = (context) => {
            // The deployment names no event type (it holds one at most): the script picks its own.
            const handled = [context.UserEventType.CREATE, context.UserEventType.EDIT,
                context.UserEventType.XEDIT, context.UserEventType.DELETE];
            if (!handled.includes(context.type)) return;
            const script = runtime.getCurrentScript();
            const url = script.getParameter({name: 'custscript_sfns_url'});
            const record = context.type === context.UserEventType.DELETE
                ? context.oldRecord : context.newRecord;
            const fields = {};
            const custom = [
                script.getParameter({name: 'custscript_sfns_sfid_field'})
                    || 'custentity_sfns_salesforce_id',
                script.getParameter({name: 'custscript_sfns_lock_field'})
                    || 'custentity_sfns_lock_record'
            ];
            STANDARD_FIELDS.concat(custom).forEach((id) => {
                const value = record.getValue({fieldId: id});
                if (value !== null && value !== '') fields[REST_NAMES[id] || id] = value;
            });
            const event = {
                [context.UserEventType.CREATE]: 'create',
                [context.UserEventType.DELETE]: 'delete'
            }[context.type] || 'update';
            const body = JSON.stringify({
                event: event,
                recordType: 'customer',
                id: String(record.id),
                externalId: fields.externalId || null,
                lastModifiedDate: new Date().toISOString(),
                fields: fields
            });
            const timestamp = String(Math.floor(Date.now() / 1000));
            const hmac = crypto.createHmac({
                algorithm: crypto.HashAlg.SHA256,
                key: crypto.createSecretKey({
                    secret: script.getParameter({name: 'custscript_sfns_secret'}),
                    encoding: encode.Encoding.UTF_8
                })
            });
            hmac.update({input: timestamp + '.' + body, inputEncoding: encode.Encoding.UTF_8});
            const signature = hmac.digest({outputEncoding: encode.Encoding.HEX}).toLowerCase();
            try {
                const response = https.post({
                    url: url,
                    body: body,
                    headers: {
                        'Content-Type': 'application/json',
                        'X-SFNS-Timestamp': timestamp,
                        'X-SFNS-Signature': 'sha256=' + signature
                    }
                });
                if (response.code !== 200) {
                    log.error({title: 'SFNS webhook refused', details: response.code + ' ' + response.body});
                }
            } catch (e) {
                // Never block the user's save: SFNS re-reads the lock before each push anyway.
                log.error({title: 'SFNS webhook failed', details: e.message});
            }
        };

        return {afterSubmit};
    });
