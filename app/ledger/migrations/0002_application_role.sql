-- The role the ledger writer and the orders API use (through their own Secrets Manager secret): it may add
-- orders and read them, nothing else. The migration function gives it a password and LOGIN afterwards.
CREATE ROLE trading_app NOLOGIN;
GRANT USAGE ON SCHEMA public TO trading_app;
GRANT SELECT, INSERT ON orders_ledger TO trading_app;
