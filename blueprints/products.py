"""Products of the current account: list with live search, detail with stock per warehouse, stock updates
one at a time or from a CSV file."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from extensions import db
from forms.products import ProductForm, StockCsvForm, StockForm, VariantForm, sku_conflict_message
from models.catalog import Product, ProductVariant
from permissions import Permission, current_account, in_account_or_404, require
from services import catalog, timezones
from services.inventory import level_rows, levels
from services.mappings.csv_io import MAX_BYTES, FileRefused
from web.htmx import redirect_to, render

bp = Blueprint("products", __name__, url_prefix="/products")

PER_PAGE = 50
MAX_PAGE = 100_000  # keeps the OFFSET inside what the database accepts
MAX_QUERY = 100
# Ids above a 32-bit integer cannot exist; the route refuses them before they reach the database driver.
PRODUCT_ID = "<int(max=2147483647):product_id>"
VARIANT_ID = "<int(max=2147483647):variant_id>"


def _search_text(raw: str) -> str:
    """The search box's text: printable characters only (no NUL for the database), bounded."""
    return "".join(char for char in raw if char.isprintable()).strip()[:MAX_QUERY]


@bp.get("/")
@require(Permission.VIEW)
def index():
    """The account's products, 50 a page, filtered by name or SKU; htmx gets only the results block."""
    return _render_index(StockCsvForm(formdata=None))


def _render_index(stock_form: StockCsvForm, report: level_rows.IntakeReport | None = None, status: int = 200):
    account = current_account()
    q = _search_text(request.args.get("q", ""))
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    search = catalog.product_search(account, q)
    products = db.paginate(search, page=page, per_page=PER_PAGE, error_out=False)
    totals = catalog.stock_totals(account, [product.id for product in products.items])
    answer = render(
        "products/index.html",
        "results",
        products=products,
        totals=totals,
        q=q,
        stock_form=stock_form,
        report=report,
        columns=level_rows.CSV_COLUMNS,
    )
    return answer, status


@bp.post("/stock/import")
@require(Permission.ADJUST_STOCK)
def import_stock():
    """Set stock levels from a CSV file: all of them, or none when a row is wrong (every wrong row listed)."""
    form = StockCsvForm()
    if not form.validate_on_submit():
        return _render_index(form, status=422)
    try:
        rows = level_rows.rows_from_csv(form.file.data.read(MAX_BYTES + 1))
    except FileRefused as exc:
        form.file.errors.append(str(exc))
        return _render_index(form, status=422)
    report = levels.apply_levels(current_account(), rows, user=current_user, reason="CSV import")
    if not report.applied:
        db.session.rollback()
        return _render_index(StockCsvForm(formdata=None), report, status=422)
    db.session.commit()
    # Post/redirect/get: Back or a reload must not send the file again.
    flash(report.summary(), "success")
    return redirect_to(url_for("products.index"))


@bp.get("/stock/import")
@require(Permission.VIEW)
def stock_import_page():
    """The import's address opened (a bookmark, Back after an error): the Products page with its form."""
    return redirect_to(url_for("products.index") + "#stock-import")


def _render_detail(product: Product, variant_form: VariantForm, status: int = 200):
    warehouses = catalog.enabled_warehouses(current_account())
    levels = catalog.stock_grid(product.variants, warehouses)
    page = render(
        "products/detail.html",
        "variants",
        product=product,
        warehouses=warehouses,
        levels=levels,
        variant_form=variant_form,
    )
    return page, status


@bp.get(f"/{PRODUCT_ID}")
@require(Permission.VIEW)
def detail(product_id: int):
    """Variants with their measures and their stock in each warehouse enabled for the account."""
    product = in_account_or_404(Product, product_id)
    return _render_detail(product, VariantForm(product.account_id, formdata=None))


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.MANAGE_PRODUCTS)
def create():
    """A product with its first variant."""
    account = current_account()
    form = ProductForm(account.id)
    if form.validate_on_submit():
        try:
            product = catalog.create_product(account, form.name.data, **form.variant_data())
            db.session.commit()
        except IntegrityError:  # the same SKU committed meanwhile by someone else
            db.session.rollback()
            form.sku.errors.append(sku_conflict_message(account.id, form.sku.data))
        else:
            flash(f"Product {product.name} created.", "success")
            return redirect_to(url_for("products.detail", product_id=product.id))
    return render("products/new.html", "form", form=form), 422 if form.errors else 200


@bp.post(f"/{PRODUCT_ID}/variants")
@require(Permission.MANAGE_PRODUCTS)
def add_variant(product_id: int):
    """Another variant of the product; errors show on the detail page."""
    product = in_account_or_404(Product, product_id)
    form = VariantForm(product.account_id)
    if form.validate_on_submit():
        try:
            variant = catalog.add_variant(product, **form.variant_data())
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.sku.errors.append(sku_conflict_message(product.account_id, form.sku.data))
        else:
            flash(f"Variant {variant.sku} added.", "success")
            return redirect_to(url_for("products.detail", product_id=product.id))
    return _render_detail(product, form, status=422)


def _stock_form(variant: ProductVariant, warehouses, levels) -> StockForm:
    """On POST the submitted figures; on GET those of the warehouse asked for (or the first one)."""
    if request.method == "POST":
        return StockForm(warehouses)
    wanted = request.args.get("warehouse_id", type=int)
    warehouse = next((w for w in warehouses if w.id == wanted), warehouses[0] if warehouses else None)
    level = levels.get((variant.id, warehouse.id)) if warehouse else None
    data = {
        "warehouse_id": warehouse.id if warehouse else None,
        "on_hand": level.on_hand if level else 0,
    }
    return StockForm(warehouses, formdata=None, data=data)


@bp.route(f"/variants/{VARIANT_ID}/stock", methods=["GET", "POST"])
@require(Permission.ADJUST_STOCK)
def adjust_stock(variant_id: int):
    """Receive a stock update: set on hand of the variant in one enabled warehouse."""
    variant = in_account_or_404(ProductVariant, variant_id)
    warehouses = catalog.enabled_warehouses(current_account())
    levels = catalog.stock_grid([variant], warehouses)
    form = _stock_form(variant, warehouses, levels)
    if form.validate_on_submit():
        level = catalog.level_for(variant, form.warehouse)
        catalog.adjust_stock(level, form.on_hand.data, current_user, form.reason.data)
        try:
            db.session.commit()
        except IntegrityError:  # the level was created meanwhile by someone else
            db.session.rollback()
            form.form_errors.append("The stock changed while you were editing it. Check and save again.")
        else:
            flash("Stock updated", "success")
            return redirect_to(url_for("products.detail", product_id=variant.product_id))
    page = render(
        "products/stock.html",
        "stock_form",
        variant=variant,
        form=form,
        warehouses=warehouses,
        levels=levels,
        adjustments=catalog.recent_adjustments(variant),
        timezone=timezones.zone(current_account().timezone),
    )
    return page, 422 if form.errors else 200
