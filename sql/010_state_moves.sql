-- The state machines as data (DESIGN §3, §6): one row per allowed move of each machine.
-- The rows are not written here: sql/functions/12_state_moves.sql holds them and makes
-- the table equal to its list on every `scpctl migrate` (docs/operations.md §3.1), so a
-- changed machine is an edit of that file.  scp_state_check() reads the table with one
-- probe of the primary key.

CREATE TABLE state_moves (
    machine text NOT NULL,
    from_state text NOT NULL,
    to_state text NOT NULL,
    PRIMARY KEY (machine, from_state, to_state),
    CHECK (from_state <> to_state)
);
