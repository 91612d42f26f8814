-- The users the ledger writer and the orders API log in as: two, so that Secrets Manager can rotate the
-- application secret by alternating between them (a rotation gives the user not in use a new password, then
-- makes it current). Each has the ledger's privileges only through trading_app, and may log in only once the
-- migration function has given it a password.
CREATE ROLE trading_app_a NOLOGIN IN ROLE trading_app;
CREATE ROLE trading_app_b NOLOGIN IN ROLE trading_app;
