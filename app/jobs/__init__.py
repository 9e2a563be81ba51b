"""Work done outside the request (emails): a table-backed queue and its worker."""
