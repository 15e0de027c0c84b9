// The page's one script: the official worker SDK, unmodified, bundled with its dependencies for the browser.
window.Twilio = window.Twilio || {};
window.Twilio.TaskRouter = require("twilio-taskrouter");
