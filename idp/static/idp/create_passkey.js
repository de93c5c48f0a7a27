/* After the email was proven: create the passkey (new account or recovery). */
"use strict";
window.Latchkey.bindCreate("create-passkey", "create");
