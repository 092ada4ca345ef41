-- SELLIKO demo data (run by `scpctl seed-demo` after its users; safe to run again):
-- listings of client@example.com in every status, bids of vendor@example.com, a sold
-- auction with its order waiting for a pickup agent.  The photo paths name no real
-- files (the demo has no uploads); listings submitted through the API have real ones.
DO $$
DECLARE
    client uuid := (SELECT id FROM users WHERE email = 'client@example.com');
    vendor uuid := (SELECT id FROM users WHERE email = 'vendor@example.com');
    admin uuid := (SELECT id FROM users WHERE email = 'admin@example.com');
    photos text[] := ARRAY['listings/demo-front.jpg', 'listings/demo-back.jpg',
                           'listings/demo-side.jpg', 'listings/demo-screen.jpg'];
    l listings;
    b bids;
BEGIN
    IF client IS NULL OR vendor IS NULL OR admin IS NULL
       OR EXISTS (SELECT 1 FROM listings WHERE id = 'a0000000-0000-4000-8000-000000000001') THEN
        RETURN;
    END IF;
    INSERT INTO listings (id, client_id, brand, model, storage, color, condition, imei1,
                          battery_health, asking_price, description, device_photos,
                          street_address, city, state, pincode, landmark, pickup_time,
                          has_warranty, warranty_type, warranty_expiry, submitted_at)
    VALUES
      ('a0000000-0000-4000-8000-000000000001', client, 'Apple', 'iPhone 13', '128GB',
       'Midnight', 'Excellent', '353416721106848', 91, 4200000,
       'One owner, always in a case, box and charger included.', photos,
       '12 MG Road', 'Kochi', 'Kerala', '682016', 'Near Lulu Mall', 'morning',
       true, 'Apple limited warranty', current_date + 90, now() - interval '2 hours'),
      ('a0000000-0000-4000-8000-000000000002', client, 'Samsung', 'Galaxy S22', '256GB',
       'Phantom Black', 'Good', '350388542143040', 84, 3000000,
       'Minor scratches on the frame, screen perfect.', photos,
       '4 Beach Road', 'Kozhikode', 'Kerala', '673032', NULL, 'afternoon',
       false, NULL, NULL, now() - interval '1 day'),
      ('a0000000-0000-4000-8000-000000000003', client, 'OnePlus', 'OnePlus 11', '256GB',
       'Eternal Green', 'Excellent', '354324451956839', 96, 3500000,
       'Like new, 6 months old, bill available.', photos,
       '88 Statue Junction', 'Thiruvananthapuram', 'Kerala', '695001', 'Opposite the park',
       'evening', true, 'Brand warranty', current_date + 180, now() - interval '5 hours'),
      ('a0000000-0000-4000-8000-000000000004', client, 'Google', 'Pixel 7', '128GB',
       'Snow', 'Fair', '352374184049487', 78, 2200000,
       'Back glass cracked, works perfectly.', photos,
       '7 Round North', 'Thrissur', 'Kerala', '680001', NULL, 'morning',
       false, NULL, NULL, now() - interval '3 days'),
      ('a0000000-0000-4000-8000-000000000005', client, 'Xiaomi', 'Redmi Note 12', '128GB',
       'Blue', 'Poor', '353669467234402', 60, 900000,
       'Screen replaced once.', photos,
       '3 Market Road', 'Kollam', 'Kerala', '691001', NULL, 'evening',
       false, NULL, NULL, now() - interval '4 days');

    -- live auctions: one with a bid, one ending soon without
    UPDATE listings SET status = 'live', approved_at = now() - interval '20 hours',
           approved_by = admin, auction_duration_hours = 24,
           auction_start_time = now() - interval '20 hours',
           auction_end_time = now() + interval '4 hours',
           starting_price = 1500000, instant_win_price = asking_price
     WHERE id = 'a0000000-0000-4000-8000-000000000002';
    INSERT INTO bids (listing_id, vendor_id, amount, created_at)
        VALUES ('a0000000-0000-4000-8000-000000000002', vendor, 1800000,
                now() - interval '3 hours') RETURNING * INTO b;
    UPDATE listings SET current_bid = b.amount, current_bid_id = b.id,
           current_bidder_id = vendor, bid_count = 1
     WHERE id = b.listing_id;
    UPDATE listings SET status = 'live', approved_at = now() - interval '4 hours',
           approved_by = admin, auction_duration_hours = 6,
           auction_start_time = now() - interval '4 hours',
           auction_end_time = now() + interval '2 hours',
           starting_price = 1750000, instant_win_price = asking_price
     WHERE id = 'a0000000-0000-4000-8000-000000000003';

    -- sold: closed with the vendor's bid; its order waits for a pickup agent
    UPDATE listings SET status = 'live', approved_at = now() - interval '2 days',
           approved_by = admin, auction_duration_hours = 24,
           auction_start_time = now() - interval '2 days',
           auction_end_time = now() - interval '1 day',
           starting_price = 1100000, instant_win_price = asking_price
     WHERE id = 'a0000000-0000-4000-8000-000000000004';
    INSERT INTO bids (listing_id, vendor_id, amount, created_at)
        VALUES ('a0000000-0000-4000-8000-000000000004', vendor, 1650000,
                now() - interval '30 hours') RETURNING * INTO b;
    UPDATE listings SET status = 'sold', current_bid = b.amount, current_bid_id = b.id,
           current_bidder_id = vendor, bid_count = 1, winning_bid_id = b.id,
           closed_at = now() - interval '1 day'
     WHERE id = b.listing_id RETURNING * INTO l;
    PERFORM scp_auction_order_create(l, b, 1000, 20000, 4900, 'auction closed');

    UPDATE listings SET status = 'rejected', rejected_at = now() - interval '3 days',
           rejected_by = admin, rejection_reason = 'Photos do not show the IMEI label.'
     WHERE id = 'a0000000-0000-4000-8000-000000000005';
END $$;
