-- Cliick.io's shop documents (docs/decisions.md "Cliick.io's shop documents"): the
-- frontend's paymentMethods (ShopPaymentMethod[]) and knowledgeBase ({userDefined,
-- productData}), kept as the JSON it sends; cgi-bin/shops/settings.c checks each entry
-- and bounds each document, as it does the settings documents of sql/082_shop_team.sql.
ALTER TABLE shops
    ADD COLUMN payment_methods jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(payment_methods) = 'array'),
    ADD COLUMN knowledge_base jsonb NOT NULL
        DEFAULT '{"user_defined": [], "product_data": ""}'
        CHECK (jsonb_typeof(knowledge_base) = 'object');
