-- Signing in with a Prokip account (seed 004's dashboard: POST /auth/prokip-login, then
-- /auth/prokip-location): each Prokip business location is one SCP supplier with its
-- owner, made at its first sign-in and found again by the location at the next ones.
-- Kept here, not by a username the owner could have chosen: nobody can register into
-- a location's account.
CREATE TABLE prokip_sign_ins (
    location_id text PRIMARY KEY,
    user_id uuid NOT NULL UNIQUE REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz NOT NULL DEFAULT now()
);
