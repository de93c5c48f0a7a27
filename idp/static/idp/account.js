/* The account page: add another passkey. */
"use strict";
window.Latchkey.bindCreate("account", "add-passkey");
