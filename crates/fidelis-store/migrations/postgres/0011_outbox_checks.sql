-- SQLite only (its CHECK constraints with IN lists built an ephemeral index per row; see the SQLite
-- migration). PostgreSQL evaluates the same constraints without such cost: nothing to change.
SELECT 1;
