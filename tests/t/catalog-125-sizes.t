# The kept count of each supplier's listed products (sql/005_catalog_sizes.sql): the
# catalog page's total and discovery's product_count follow every create, deactivation,
# reactivation, edit and delete, stay put for stock and price changes, and stay exact
# under concurrent writers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s, name => 'Counted Farm');
my $con = new_consumer($s);
link_up($s, $sup, $con);
my $T = $sup->{token};
my $P = '/api/v1/supplier/products';

my $page_total = sub {
    my $r = $s->get("/api/v1/consumer/suppliers/$sup->{id}/products?page_size=5", token => $con->{token});
    die "catalog: $r->{status} $r->{content}" unless $r->{status} == 200;
    return $r->{json}{pagination}{total};
};
my $discovered = sub {
    my $r = $s->get('/api/v1/suppliers?q=Counted', token => $con->{token});
    my ($hit) = grep { $_->{id} eq $sup->{id} } @{ $r->{json}{results} };
    return $hit ? $hit->{product_count} : undef;
};
my $exact = sub {
    $s->sql("SELECT count(*) FROM catalog_sizes c WHERE c.listed <> (SELECT count(*) FROM products p"
          . " WHERE p.supplier_id = c.supplier_id AND p.is_active AND p.deleted_at IS NULL)");
};
my $both = sub {
    my ($want, $name) = @_;
    is $page_total->(), $want, "$name: the catalog's total is $want";
    is $discovered->(), $want, "$name: discovery's product_count is $want";
};

$both->(0, 'a new supplier');
my $empty = $s->get("/api/v1/consumer/suppliers/$sup->{id}/products", token => $con->{token});
is_deeply $empty->{json}{results}, [], 'an empty catalog: no results';
is $empty->{json}{pagination}{total_pages}, 0, 'and no pages';

my @p = map { new_product($s, $sup, name => "Item $_") } 1 .. 3;
new_product($s, $sup, name => 'Hidden', is_active => JSON::PP::false);
$both->(3, 'three active products and one inactive');

is $s->req('PATCH', "$P/$p[0]{id}", { is_active => JSON::PP::false }, token => $T)->{status}, 200,
    'deactivate one';
$both->(2, 'after a deactivation');
is $s->req('PATCH', "$P/$p[0]{id}", { is_active => JSON::PP::false }, token => $T)->{status}, 200,
    'deactivate it again';
$both->(2, 'deactivating twice counts once');
$s->req('PATCH', "$P/$p[0]{id}", { is_active => JSON::PP::true }, token => $T);
$both->(3, 'after reactivating it');
$s->req('PATCH', "$P/$p[1]{id}", { name => 'Item 2b', price => '3.10' }, token => $T);
$s->post("$P/bulk-update", { ids => [ map { $_->{id} } @p ], stock_level => 7, price => '2.00' },
         token => $T);
$both->(3, 'edits, stock and price changes');
is $s->del("$P/$p[2]{id}", token => $T)->{status}, 200, 'delete one';
$both->(2, 'after a delete');
$s->req('PATCH', "$P/$p[2]{id}", { is_active => JSON::PP::true }, token => $T);
$both->(2, 'a deleted product cannot come back into the count');

# Another supplier's changes are not this one's.
my $other = new_supplier($s, name => 'Other Counted');
new_product($s, $other) for 1 .. 2;
$both->(2, 'after another supplier added two');
is $s->sql("SELECT listed FROM catalog_sizes WHERE supplier_id = :'p1'", $other->{id}), 2,
    'the other supplier has its own count';

# Concurrent writers: 16 creates, 8 deactivations and 8 deletes at once, three rounds.
for my $round (1 .. 3) {
    my @victims = map { new_product($s, $sup, name => "R$round.$_") } 1 .. 16;
    my @res = parallel(32, sub {
        my $i = shift;
        return $s->post($P, { name => "New $round.$i", price => 1 }, token => $T) if $i < 16;
        my $v = $victims[$i - 16];
        return $i < 24 ? $s->req('PATCH', "$P/$v->{id}", { is_active => JSON::PP::false }, token => $T)
                       : $s->del("$P/$v->{id}", token => $T);
    });
    is scalar(grep { $_->{status} == 201 || $_->{status} == 200 } @res), 32,
        "round $round: 32 concurrent writes succeeded";
    is $exact->(), 0, "round $round: every supplier's kept count equals its listed products";
}
is $page_total->(), $s->sql("SELECT count(*) FROM products WHERE supplier_id = :'p1'"
    . " AND is_active AND deleted_at IS NULL", $sup->{id}), 'the catalog\'s total after the races';

done_testing;
