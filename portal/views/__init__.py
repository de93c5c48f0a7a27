"""Portal pages, one module per area; the REST API lives in portal.api."""
