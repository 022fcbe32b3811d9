"""The only code that speaks HTTP to Salesforce and NetSuite."""
