"""Passkeys for both faces: realms, the WebAuthn ceremonies, and list/rename/remove.

`webauthn.py` is the only module that imports py_webauthn; `ceremonies.py` is its only caller.
"""
