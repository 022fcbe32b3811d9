"""Local mirrors of Salesforce Accounts and Opportunities and NetSuite Customers."""
