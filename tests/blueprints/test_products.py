"""Products: list, search and pages; detail with stock per warehouse; creation with per-account SKUs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from forms.products import VariantForm
from models.catalog import InventoryLevel, Product, ProductVariant, Warehouse
from models.tenancy import Role
from tests.support.queries import page_statements
from tests.support.world import ROLE_EMAILS

SUPERVISOR = ROLE_EMAILS[Role.ORG_SUPERVISOR]
ACCOUNT_USER = ROLE_EMAILS[Role.ACCOUNT_USER]
HTMX = {"HX-Request": "true"}


def add_products(account, count: int, variants: int = 1, warehouse=None, prefix: str = "Bulk") -> None:
    for n in range(count):
        product = Product(account=account, name=f"{prefix} {n:03d}")
        for v in range(variants):
            variant = ProductVariant(account=account, title=f"V{v}")
            variant.set_sku(f"{prefix}-{n:03d}-{v}")
            product.variants.append(variant)
            if warehouse is not None:
                db.session.add(InventoryLevel(variant=variant, warehouse=warehouse, on_hand=5, allocated=1))
        db.session.add(product)
    db.session.commit()


def variant_form(**overrides) -> dict:
    data = {
        "sku": "HOODIE-L-BLACK",
        "title": "L / Black",
        "weight_g": "450",
        "length_mm": "300",
        "width_mm": "250",
        "height_mm": "40",
    }
    return data | overrides


def variant_count(account) -> int:
    return db.session.scalar(
        select(func.count(ProductVariant.id)).where(ProductVariant.account_id == account.id)
    )


# --- list, search, pages ------------------------------------------------------------------------------------


def test_list_shows_own_products_with_variant_count_and_stock(client, world, login):
    login(ACCOUNT_USER)
    page = client.get("/products/")
    assert page.status_code == 200
    row = (
        page.get_data(as_text=True).split(f'data-testid="product-{world.a.product.id}"')[1].split("</tr>")[0]
    )
    assert "Account A1 tee" in row
    assert [cell.split(">")[-1] for cell in row.split("</td>")[1:4]] == [
        "1",
        "10",
        "8",
    ]  # variants, on hand, avail.
    assert f'data-testid="product-{world.b.product.id}"' not in page.get_data(as_text=True)
    assert b"New product" not in page.data  # an account user may not create products


def test_search_by_name_or_sku_ignoring_case(client, world, login):
    add_products(world.a.account, 3, prefix="Hoodie")
    login(SUPERVISOR)
    by_name = client.get("/products/?q=hOOdie 001").get_data(as_text=True)
    assert "Hoodie 001" in by_name and "Hoodie 000" not in by_name and "Account A1 tee" not in by_name
    by_sku = client.get("/products/?q=tee-m-navy").get_data(as_text=True)
    assert "Account A1 tee" in by_sku and "Hoodie" not in by_sku
    assert b"No product matches" in client.get("/products/?q=%25").data  # % is a character, not a wildcard
    assert b"No product matches" in client.get("/products/?q=_").data


def test_htmx_search_returns_only_the_results_block(client, world, login):
    login(SUPERVISOR)
    response = client.get("/products/?q=tee", headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert b'id="product-results"' in response.data and b"Account A1 tee" in response.data
    full = client.get("/products/?q=tee")  # the pushed URL renders the whole page on its own
    assert b"<html" in full.data and b'value="tee"' in full.data


def test_pages_of_fifty(client, world, login):
    add_products(world.a.account, 120)
    login(SUPERVISOR)
    rows = lambda response: response.get_data(as_text=True).count('data-testid="product-')  # noqa: E731
    assert rows(client.get("/products/")) == 50
    assert rows(client.get("/products/?page=3")) == 21
    assert b"Page 3 of 3" in client.get("/products/?page=3").data
    assert rows(client.get("/products/?page=abc")) == 50
    assert rows(client.get("/products/?page=-4")) == 50
    assert rows(client.get("/products/?page=99999999999999999999999")) == 0
    assert b"Page 1 of 3" in client.get("/products/?q=bulk").data  # the search keeps paging


def test_names_sort_naturally_across_pages(client, world, login):
    """ "Tee 2" before "Tee 10" before "tee 100", ignoring case; the order holds from one page to the next."""
    account = world.a.account
    for n in range(1, 121):
        product = Product(account=account, name=f"{'tee' if n % 2 else 'Tee'} {n}")
        variant = ProductVariant(account=account, title="")
        variant.set_sku(f"T-{n}")
        product.variants.append(variant)
        db.session.add(product)
    db.session.commit()
    login(SUPERVISOR)
    names = []
    for page in (1, 2, 3):
        html = client.get(f"/products/?page={page}").get_data(as_text=True)
        names += re.findall(r'data-testid="product-\d+">\s*<td><a href="[^"]+">([^<]+)</a>', html)
    assert names == ["Account A1 tee"] + [f"{'tee' if n % 2 else 'Tee'} {n}" for n in range(1, 121)]


def test_a_products_variants_sort_naturally(client, world, login):
    product = world.a.product
    for sku in ("TEE-M-10", "tee-m-2", "TEE-M-1"):
        variant = ProductVariant(account=world.a.account, title="")
        variant.set_sku(sku)
        product.variants.append(variant)
    db.session.commit()
    login(SUPERVISOR)
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    skus = re.findall(r'data-testid="variant-\d+">\s*<td[^>]*>([^<]+)<', html)
    assert [sku.strip() for sku in skus] == ["TEE-M-1", "tee-m-2", "TEE-M-10", "TEE-M-NAVY"]


def test_list_queries_do_not_grow_with_the_page(client, world, login):
    login(SUPERVISOR)
    few = len(page_statements(client, "/products/"))
    add_products(world.a.account, 49, variants=6, warehouse=world.a.warehouse)
    assert len(page_statements(client, "/products/")) == few


# --- detail ------------------------------------------------------------------------------------------------


def test_detail_shows_variants_and_stock_of_enabled_warehouses_only(client, world, login):
    hidden = Warehouse(organization=world.a.organization, code="HIDDEN", name="Not for A1")
    db.session.add(InventoryLevel(variant=world.a.variant, warehouse=hidden, on_hand=77, allocated=0))
    world.a.variant.length_mm, world.a.variant.width_mm, world.a.variant.height_mm = 300, 200, 10
    db.session.commit()
    login(SUPERVISOR)
    page = client.get(f"/products/{world.a.product.id}").get_data(as_text=True)
    assert "TEE-M-NAVY" in page and "M / Navy" in page and "300 × 200 × 10" in page
    assert "WH-A1" in page and "HIDDEN" not in page and ">77<" not in page
    assert ">10<" in page and ">2<" in page and ">8<" in page
    assert f"/products/variants/{world.a.variant.id}/stock" in page


def test_detail_hides_adjust_and_add_variant_from_account_users(client, world, login):
    login(ACCOUNT_USER)
    page = client.get(f"/products/{world.a.product.id}")
    assert page.status_code == 200
    assert b"/stock" not in page.data and b'id="add-variant"' not in page.data


@pytest.mark.parametrize(
    "path", ["/products/{b}", "/products/{a2}", "/products/99999999999999999999", "/products/x"]
)
def test_detail_outside_the_account_is_not_found(client, world, login, path):
    a2_product = Product(account=world.a2, name="A2 only")
    db.session.add(a2_product)
    db.session.commit()
    login(ROLE_EMAILS[Role.ORG_OWNER])
    assert client.get(path.format(b=world.b.product.id, a2=a2_product.id)).status_code == 404


# --- create product, add variant ---------------------------------------------------------------------------


def test_create_product_with_its_first_variant(client, world, login):
    login(SUPERVISOR)
    assert client.get("/products/new").status_code == 200
    response = client.post("/products/new", data={"name": "Hoodie"} | variant_form(sku="  HOODIE-L-BLACK  "))
    assert response.status_code == 303
    product = db.session.scalar(select(Product).where(Product.name == "Hoodie"))
    assert response.headers["Location"].endswith(f"/products/{product.id}")
    variant = product.variants[0]
    assert (variant.sku, variant.sku_key, variant.account_id) == (
        "HOODIE-L-BLACK",
        "hoodie-l-black",
        world.a.account.id,
    )
    assert (variant.weight_g, variant.length_mm, variant.width_mm, variant.height_mm) == (450, 300, 250, 40)
    assert b"Product Hoodie created." in client.get(response.headers["Location"]).data


def test_optional_measures_may_be_blank(client, world, login):
    login(SUPERVISOR)
    blank = {"weight_g": "", "length_mm": " ", "width_mm": "", "height_mm": "", "title": ""}
    assert client.post("/products/new", data={"name": "Cap"} | variant_form(**blank)).status_code == 303
    variant = db.session.scalar(select(ProductVariant).where(ProductVariant.sku == "HOODIE-L-BLACK"))
    assert (variant.weight_g, variant.length_mm, variant.title) == (None, None, "")


@pytest.mark.parametrize("sku", ["TEE-M-NAVY", "tee-m-navy", "  Tee-M-Navy  "])
def test_duplicate_sku_in_the_account_is_refused_with_the_owner_named(client, world, login, sku):
    login(SUPERVISOR)
    before = variant_count(world.a.account)
    response = client.post("/products/new", data={"name": "Another tee"} | variant_form(sku=sku))
    assert response.status_code == 422
    assert b"SKU TEE-M-NAVY is already used by product Account A1 tee." in response.data
    assert b'value="Another tee"' in response.data  # the form keeps what was typed
    assert variant_count(world.a.account) == before
    assert db.session.scalar(select(Product).where(Product.name == "Another tee")) is None


def test_same_sku_in_another_account_is_allowed(client, world, login):
    login(ROLE_EMAILS[Role.ORG_OWNER])
    client.post("/accounts/switch", data={"account_id": world.a2.id})
    response = client.post("/products/new", data={"name": "A2 tee"} | variant_form(sku="tee-m-navy"))
    assert response.status_code == 303
    assert variant_count(world.a2) == 1


def test_database_refuses_a_duplicate_sku_key(world):
    clash = ProductVariant(account_id=world.a.account.id, product_id=world.a.product.id)
    clash.set_sku(" Tee-M-Navy ")
    db.session.add(clash)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_duplicate_sku_becomes_the_same_form_message(client, world, login, monkeypatch):
    """The form check passes (the other insert is not visible yet); the constraint catches it."""
    monkeypatch.setattr(VariantForm, "validate_sku", lambda form, field: None)
    login(SUPERVISOR)
    response = client.post("/products/new", data={"name": "Racing tee"} | variant_form(sku="tee-m-navy"))
    assert response.status_code == 422
    assert b"SKU TEE-M-NAVY is already used by product Account A1 tee." in response.data
    assert db.session.scalar(select(Product).where(Product.name == "Racing tee")) is None
    added = client.post(f"/products/{world.a.product.id}/variants", data=variant_form(sku="TEE-M-NAVY"))
    assert added.status_code == 422 and b"already used by product Account A1 tee" in added.data


def test_add_variant(client, world, login):
    login(ROLE_EMAILS[Role.ACCOUNT_ADMIN])
    response = client.post(f"/products/{world.a.product.id}/variants", data=variant_form(sku="TEE-L-NAVY"))
    assert response.status_code == 303
    db.session.expire_all()
    assert sorted(v.sku for v in world.a.product.variants) == ["TEE-L-NAVY", "TEE-M-NAVY"]
    assert b"Variant TEE-L-NAVY added." in client.get(response.headers["Location"]).data


def test_add_variant_errors_show_on_the_detail_page(client, world, login):
    login(SUPERVISOR)
    response = client.post(
        f"/products/{world.a.product.id}/variants", data=variant_form(sku=" tee-m-NAVY", weight_g="abc")
    )
    assert response.status_code == 422
    assert b"SKU TEE-M-NAVY is already used by product Account A1 tee." in response.data
    assert b"Enter a whole number." in response.data
    assert b'id="variant-grid"' in response.data  # the detail page, re-rendered
    assert variant_count(world.a.account) == 1


def test_account_users_may_not_create(client, world, login):
    login(ACCOUNT_USER)
    assert client.get("/products/new").status_code == 403
    assert client.post("/products/new", data={"name": "X"} | variant_form()).status_code == 403
    assert client.post(f"/products/{world.a.product.id}/variants", data=variant_form()).status_code == 403
    assert variant_count(world.a.account) == 1


def test_add_variant_to_a_product_of_another_account_is_not_found(client, world, login):
    login(SUPERVISOR)
    response = client.post(f"/products/{world.b.product.id}/variants", data=variant_form(sku="SNEAKY"))
    assert response.status_code == 404
    assert variant_count(world.b.account) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, b"Enter a name."),
        ({"name": "x" * 201}, b"Field cannot be longer than 200 characters."),
        ({"name": "Tab\there"}, b"Remove control characters"),
        ({"name": "Nul\x00byte"}, b"Remove control characters"),
        ({"sku": "   "}, b"Enter a SKU."),
        ({"sku": "S" * 101}, b"Field cannot be longer than 100 characters."),
        ({"sku": "\u00df" * 60}, b"Field cannot be longer than 100 characters."),  # casefolds to 120 chars
        ({"sku": "line\nbreak"}, b"Remove control characters"),
        ({"weight_g": "abc"}, b"Enter a whole number."),
        ({"weight_g": "1.5"}, b"Enter a whole number."),
        ({"weight_g": "9" * 5000}, b"Enter a whole number."),
        ({"weight_g": "-1"}, b"Enter a number from 0 to 1,000,000."),
        ({"weight_g": "1000001"}, b"Enter a number from 0 to 1,000,000."),
        ({"height_mm": "99999999999999999999"}, b"Enter a number from 0 to 100,000."),
        ({"title": "t" * 5000}, b"Field cannot be longer than 200 characters."),
    ],
)
def test_hostile_or_wrong_input_gets_a_message_not_a_500(client, world, login, fields, message):
    login(SUPERVISOR)
    response = client.post("/products/new", data=variant_form(**{"name": "Fine"} | fields))
    assert response.status_code == 422
    assert message in response.data
    assert db.session.scalar(select(func.count(Product.id))) == 2  # only the world's


def test_markup_is_stored_as_text_and_escaped(client, world, login):
    login(SUPERVISOR)
    script = "<script>alert(1)</script>"
    response = client.post(
        "/products/new", data={"name": script} | variant_form(sku=script), follow_redirects=True
    )
    assert response.status_code == 200
    assert b"<script>alert" not in response.data and b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.data
    listing = client.get("/products/?q=<script>")
    assert listing.status_code == 200 and b"<script>alert" not in listing.data


@pytest.mark.parametrize("q", ["\x00", "a" * 10_000, "\\", "%_%", "' OR 1=1 --", "\u202e\ud7ff"])
def test_hostile_search_text_never_fails(client, world, login, q):
    login(SUPERVISOR)
    response = client.get("/products/", query_string={"q": q})
    assert response.status_code == 200
