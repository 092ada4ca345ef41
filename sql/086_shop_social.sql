-- Cliick.io's social connections (issue 13 item 6): a shop's pages and bots on
-- Facebook, Instagram, TikTok, Telegram and Viber, one per platform.  The platform's
-- token is kept sealed (AES-256-GCM, lib/scp_secret.h, additional data
-- "<shop_id>/<platform>:access_token"), never in clear; external_id is the platform's own
-- id of what was connected (the Facebook page, the Instagram business account, the TikTok
-- open_id, the Telegram bot, the Viber account), which the send API addresses.

CREATE TABLE shop_integrations (
    shop_id       uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    platform      text NOT NULL
                  CHECK (platform IN ('facebook', 'instagram', 'tiktok', 'telegram', 'viber')),
    external_id   text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    name          text CHECK (length(name) <= 300),
    token_sealed  text NOT NULL,
    expires_at    timestamptz,
    connected_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, platform)
);
-- A webhook's entry names the page or account (cgi-bin/hooks/facebook.c): its shop.
CREATE INDEX shop_integrations_external_idx ON shop_integrations (platform, external_id);

-- The states of the authorization redirects (POST …/authorize): random, single use, kept
-- as their sha256, bound to the shop, the user who asked and the platform, 10 minutes.
CREATE TABLE shop_oauth_states (
    state_hash  text PRIMARY KEY CHECK (length(state_hash) = 64),
    shop_id     uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    platform    text NOT NULL CHECK (platform IN ('facebook', 'instagram', 'tiktok')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_oauth_states_expiry_idx ON shop_oauth_states (expires_at);
