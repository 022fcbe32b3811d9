/**
 * SFNS customer webhook: a User Event script for the Customer record.
 *
 * After a customer is created or deleted, and after an edit or inline edit (xedit) that changes a
 * field SFNS reads, it POSTs the customer to SFNS, signed with HMAC-SHA256 of "<timestamp>.<body>"
 * keyed by SFNS_WEBHOOK_SECRET, so SFNS keeps the "Salesforce Lock Record" box and the financials
 * current without polling. The fields SFNS reads: the lock and Salesforce ID fields, the Watched
 * Fields (by default externalid and the six financials) and the Mapped Fields. An edit that
 * changes none of them is not posted. Neither is SFNS's own write: when the SFNS Integration User
 * parameter is set, a save made through REST web services by that user is skipped, since SFNS
 * already knows what it wrote.
 *
 * Deploy: with the SuiteCloud project this file belongs to (deploy/netsuite in SFNS's repository:
 * `suitecloud project:deploy`). It creates the two customer fields, this script's record with its
 * parameters, and a released deployment on Customer for all roles. Before deploying, create an
 * API secret (Setup > Company > API Secrets) with the id _sfns_webhook (script id
 * custsecret_sfns_webhook) holding SFNS_WEBHOOK_SECRET and allowed for this script, and fill in
 * Objects/customscript_sfns_customer_ue.xml (`manage.py prepare_deploy` does): a deploy puts back
 * the parameter values that file holds.
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
 *   custscript_sfns_watched_fields  the fields whose change is posted, comma-separated; copy
 *                                the default from Objects/customscript_sfns_customer_ue.xml.
 *                                Empty: every save is posted, as before this parameter existed
 *   custscript_sfns_mapped_fields   optional: the NetSuite fields of SFNS's reverse field
 *                                mappings, comma-separated (prepare_deploy prints them)
 *   custscript_sfns_integration_user  optional: the internal id of the employee whose access
 *                                token SFNS uses (Lists > Employees, the ID column)
 *
 * Field ids are SuiteScript's (lower case); REST names such as overdueBalance are lowered to
 * them, which holds for the fields SFNS reads (custom fields are lower case already).
 *
 * @NApiVersion 2.1
 * @NScriptType UserEventScript
 */
define(['N/https', 'N/crypto', 'N/encode', 'N/runtime', 'N/record', 'N/log'],
    (https, crypto, encode, runtime, record, log) => {
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

        // "a, B ,c" -> ['a', 'b', 'c']: SuiteScript field ids are lower case.
        const fieldList = (text) => String(text || '').split(',')
            .map((name) => name.trim().toLowerCase()).filter((name) => name !== '');

        // The same value however the record gives it: an empty field is null on oldRecord and ''
        // on newRecord, an unchecked box false; dates and multi-selects compare by their contents.
        const comparable = (value) => {
            if (value === null || value === undefined || value === '' || value === false) return '';
            if (value instanceof Date) return String(value.getTime());
            if (Array.isArray(value)) return value.map(String).join(',');
            return String(value);
        };

        // SFNS's own write: a REST web services request made as the integration user (the
        // employee its access token belongs to). runtime.executionContext, runtime.ContextType:
        // https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_4296531348.html
        // runtime.getCurrentUser():
        // https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_4296529105.html
        const isSfnsWrite = (script) => {
            const integrationUser = String(
                script.getParameter({name: 'custscript_sfns_integration_user'}) || '').trim();
            return integrationUser !== ''
                && runtime.executionContext === runtime.ContextType.REST_WEBSERVICES
                && String(runtime.getCurrentUser().id) === integrationUser;
        };

        // Whether an edit changed one of fieldIds. On xedit (inline edit, a mass update, a
        // submitFields) newRecord holds only the edited fields, not the full record (afterSubmit:
        // https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_4407992281.html),
        // so only the fields it holds (Record.getFields()) are compared; oldRecord is whole.
        const watchedChanged = (context, fieldIds) => {
            const before = context.oldRecord;
            const after = context.newRecord;
            const present = context.type === context.UserEventType.XEDIT
                ? new Set(after.getFields()) : null;
            return fieldIds.some((id) => {
                if (present && !present.has(id)) return false;
                try {
                    return comparable(before.getValue({fieldId: id}))
                        !== comparable(after.getValue({fieldId: id}));
                } catch (e) {
                    return true; // a field this record cannot read: better one post too many
                }
            });
        };

        const afterSubmit = (context) => {
            // The deployment names no event type (it holds one at most): the script picks its own.
            const handled = [context.UserEventType.CREATE, context.UserEventType.EDIT,
                context.UserEventType.XEDIT, context.UserEventType.DELETE];
            if (!handled.includes(context.type)) return;
            const script = runtime.getCurrentScript();
            if (isSfnsWrite(script)) return;
            const custom = [
                script.getParameter({name: 'custscript_sfns_sfid_field'})
                    || 'custentity_sfns_salesforce_id',
                script.getParameter({name: 'custscript_sfns_lock_field'})
                    || 'custentity_sfns_lock_record'
            ].map((id) => id.trim().toLowerCase());
            // The names SFNS gave the mapped fields (REST names), by their SuiteScript ids.
            const mapped = {};
            String(script.getParameter({name: 'custscript_sfns_mapped_fields'}) || '')
                .split(',').map((name) => name.trim()).filter((name) => name !== '')
                .forEach((name) => { mapped[name.toLowerCase()] = name; });
            const watched = fieldList(script.getParameter({name: 'custscript_sfns_watched_fields'}));
            const editing = context.type === context.UserEventType.EDIT
                || context.type === context.UserEventType.XEDIT;
            // An empty watched list posts every save, as the script did before it had one.
            if (editing && watched.length
                    && !watchedChanged(context, watched.concat(custom, Object.keys(mapped)))) {
                return;
            }
            let source = context.type === context.UserEventType.DELETE
                ? context.oldRecord : context.newRecord;
            if (context.type === context.UserEventType.XEDIT) {
                // newRecord lacks the fields that were not edited: send the record as saved.
                source = record.load({type: source.type, id: source.id});
            }
            const url = script.getParameter({name: 'custscript_sfns_url'});
            const fields = {};
            const sent = STANDARD_FIELDS.concat(custom, Object.keys(mapped));
            sent.filter((id, at) => sent.indexOf(id) === at).forEach((id) => {
                const value = source.getValue({fieldId: id});
                if (value !== null && value !== '') {
                    fields[REST_NAMES[id] || mapped[id] || id] = value;
                }
            });
            const event = {
                [context.UserEventType.CREATE]: 'create',
                [context.UserEventType.DELETE]: 'delete'
            }[context.type] || 'update';
            const body = JSON.stringify({
                event: event,
                recordType: 'customer',
                id: String(source.id),
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
