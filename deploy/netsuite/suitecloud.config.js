// SuiteCloud CLI for Node.js: the project lives in src/ (suitecloud project:validate, project:deploy).
module.exports = {
	defaultProjectFolder: 'src',
	commands: {},
};
