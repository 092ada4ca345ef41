-- The page a Shopify authorization returns to (seed 004: the callback sends the browser
-- back to the dashboard, /?shopify_success=true&store={shop} or ?shopify_error=…): the
-- Origin of the initiate request when it is an allowed origin (cors_origins, the
-- mount's cors_origins_<profile>, or public_url's), kept with the state; NULL answers
-- the callback in JSON as before.
ALTER TABLE shopify_oauth_states ADD COLUMN return_to text
    CHECK (return_to ~ '^https?://[^/?#\s"<>]{1,255}$');
