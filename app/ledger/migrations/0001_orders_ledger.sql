-- The order ledger: one row per order the orders API accepted, copied from the orders table's stream.
-- An order id comes back when its clientOrderId is reused after the order expired, so a row is one
-- (order id, creation time): a stream record delivered twice is the same row, a reused key a new one.
CREATE TABLE orders_ledger (
    order_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    owner text NOT NULL CHECK (owner LIKE 'arn:%'),
    client_order_id text NOT NULL CHECK (length(client_order_id) BETWEEN 1 AND 64),
    symbol text NOT NULL CHECK (length(symbol) BETWEEN 1 AND 12),
    side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    limit_price numeric NOT NULL CHECK (limit_price > 0 AND limit_price <= 1000000 AND scale(limit_price) <= 4),
    time_in_force text NOT NULL CHECK (time_in_force IN ('DAY', 'GTC', 'IOC', 'FOK')),
    status text NOT NULL,
    expires_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, created_at)
);

-- GET /orders: one caller's orders, newest first, optionally for one symbol.
CREATE INDEX orders_ledger_owner_newest ON orders_ledger (owner, created_at DESC, order_id DESC);
CREATE INDEX orders_ledger_owner_symbol_newest ON orders_ledger (owner, symbol, created_at DESC, order_id DESC);
