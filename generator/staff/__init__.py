"""Tools for the staff who keep the data: change reports and reprint lists, the URL ledger, editor schemas."""
