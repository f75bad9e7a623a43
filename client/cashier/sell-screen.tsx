import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { BranchProduct, Sale } from '../../schema/index.ts';
import type { Cart } from './cart.ts';
import { EMPTY_CART, addProduct, priceCart, saleCurrency, toSellInput } from './cart.ts';
import { CartLines, Totals } from './cart-panel.tsx';
import { useCategories, useProductSearch, useProductsByIds } from './catalog-hooks.ts';
import { useAnnounce } from './announcer.tsx';
import { useI18n } from './i18n-context.tsx';
import { PaymentPanel } from './payment-panel.tsx';
import { ReceiptView } from './receipt-view.tsx';
import { useTerminal } from './terminal-context.tsx';

type Step = { kind: 'cart' } | { kind: 'pay' } | { kind: 'receipt'; sale: Sale };

/**
 * The sell screen: barcode field and search on one side, the sale on the other. A sale from the
 * keyboard alone: scan (digits, Enter) as often as needed, Enter on the empty barcode field to pay,
 * Enter to take the amount due (or type what was handed over, Enter), Enter for the next sale.
 */
export function SellScreen({
  branchCurrency,
  catalogSize,
  active,
}: {
  branchCurrency: string | null;
  /** Products in the local catalog (status), which decides how names are searched. */
  catalogSize: number | null;
  /** The screen is shown: the barcode field takes the focus, ready for the scanner. */
  active: boolean;
}) {
  const { t, formatMoney } = useI18n();
  const terminal = useTerminal();
  const announce = useAnnounce();
  const [cart, setCart] = useState<Cart>(EMPTY_CART);
  const [step, setStep] = useState<Step>({ kind: 'cart' });
  const [busy, setBusy] = useState(false);
  const [barcode, setBarcode] = useState('');
  const [search, setSearch] = useState('');
  /** `undefined` until the cashier picks one: the first category's tiles show, a search spans all. */
  const [chosenCategory, setCategoryId] = useState<string | null | undefined>(undefined);
  const barcodeRef = useRef<HTMLInputElement>(null);

  const products = useProductsByIds(useMemo(() => cart.lines.map((l) => l.productId), [cart]));
  const currency = saleCurrency(cart, products, branchCurrency);
  const priced = useMemo(() => priceCart(cart, products, currency), [cart, products, currency]);
  const categories = useCategories();
  const categoryId =
    chosenCategory !== undefined
      ? chosenCategory
      : search.trim()
        ? null
        : (categories[0]?.id ?? null);
  const results = useProductSearch(search, categoryId, catalogSize);

  const focusBarcode = () => requestAnimationFrame(() => barcodeRef.current?.focus());
  const receiptShown = step.kind === 'receipt';
  useEffect(() => {
    if (active && !receiptShown) barcodeRef.current?.focus();
  }, [active, receiptShown]);

  const add = useCallback(
    (product: BranchProduct) => {
      if (!product.active) {
        announce(`${product.name}: ${t('sell.product.unavailable')}`, 'error');
        return;
      }
      setCart((before) => addProduct(before, product.id));
      setStep((before) => (before.kind === 'receipt' ? { kind: 'cart' } : before));
      announce(t('sell.barcode.added', { name: product.name }));
    },
    [announce, t],
  );

  /** Adds the product of a scanned barcode (or typed SKU); false when there is none. */
  const scan = async (code: string, quietMiss = false): Promise<boolean> => {
    const found =
      (await terminal.db.products.findOne({ selector: { barcode: code } }).exec()) ??
      (await terminal.db.products.findOne({ selector: { sku: code } }).exec());
    if (found) add(found.toJSON() as BranchProduct);
    else if (!quietMiss) announce(t('sell.barcode.notFound', { code }), 'error');
    return found !== null;
  };

  const complete = async (paid: Cart) => {
    setBusy(true);
    try {
      const sale = await terminal.sell(toSellInput(paid));
      setCart(EMPTY_CART);
      setStep({ kind: 'receipt', sale });
    } catch (error) {
      setCart(paid);
      announce(t('pay.failed', { message: (error as Error).message }), 'error');
    } finally {
      setBusy(false);
    }
  };

  const newSale = () => {
    setStep({ kind: 'cart' });
    setCart(EMPTY_CART);
    focusBarcode();
  };

  return (
    <div className="sell">
      <section className="catalog-panel" aria-label={t('sell.search.label')}>
        <form
          className="scan-row"
          onSubmit={(event) => {
            event.preventDefault();
            const code = barcode.trim();
            setBarcode('');
            if (code) void scan(code);
            else if (step.kind === 'receipt') newSale();
            // Paying may start before the cart's products have loaded: the panel opens with them.
            else if (cart.lines.length > 0) setStep({ kind: 'pay' });
          }}
        >
          <label htmlFor="barcode" className="field-label">
            {t('sell.barcode.label')}
          </label>
          <input
            id="barcode"
            ref={barcodeRef}
            className="barcode-input"
            data-testid="barcode"
            autoFocus
            autoComplete="off"
            inputMode="numeric"
            placeholder={t('sell.barcode.placeholder')}
            value={barcode}
            onChange={(event) => setBarcode(event.target.value)}
          />
        </form>
        <div className="search-row">
          <label htmlFor="search" className="field-label">
            {t('sell.search.label')}
          </label>
          <input
            id="search"
            type="search"
            className="search-input"
            data-testid="search"
            autoComplete="off"
            placeholder={t('sell.search.placeholder')}
            value={search}
            aria-controls="search-results"
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <div className="chips" role="group" aria-label={t('sell.categories')}>
          <button
            type="button"
            className="chip"
            aria-pressed={categoryId === null}
            onClick={() => setCategoryId(null)}
          >
            {t('sell.allCategories')}
          </button>
          {categories.map((category) => (
            <button
              key={category.id}
              type="button"
              className="chip"
              aria-pressed={categoryId === category.id}
              onClick={() => setCategoryId(category.id)}
            >
              {category.name}
            </button>
          ))}
        </div>
        <p className="results-summary" aria-live="polite">
          {search.trim() || categoryId
            ? results.products.length === 0 && !results.loading
              ? t('sell.search.none', { query: search.trim() })
              : t('sell.search.results', { count: results.products.length })
            : t('sell.search.hint')}
        </p>
        <ul className="product-grid" id="search-results" data-testid="search-results">
          {results.products.map((product) => (
            <li key={product.id}>
              <button
                type="button"
                className="product-tile"
                data-testid="product-tile"
                data-product-id={product.id}
                disabled={!product.active}
                onClick={() => add(product)}
              >
                <span className="tile-name">{product.name}</span>
                <span className="tile-sku">
                  <bdi>{product.sku}</bdi>
                </span>
                <span className="tile-price" data-testid="tile-price">
                  {product.active
                    ? formatMoney(product.priceMinor, product.currency)
                    : t('sell.product.unavailable')}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="sale-panel" aria-label={t('cart.title')}>
        {step.kind === 'receipt' ? (
          <ReceiptView sale={step.sale} onNewSale={newSale} />
        ) : (
          <>
            <header className="sale-head">
              <h2 className="panel-title">{t('cart.title')}</h2>
              {cart.lines.length > 0 && step.kind === 'cart' ? (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setCart(EMPTY_CART);
                    focusBarcode();
                  }}
                >
                  {t('cart.clear')}
                </button>
              ) : null}
            </header>
            <div className="cart-scroll">
              <CartLines cart={cart} priced={priced} currency={currency} onChange={setCart} />
            </div>
            <Totals priced={priced} currency={currency} />
            {step.kind === 'pay' ? (
              currency ? (
                <PaymentPanel
                  cart={cart}
                  priced={priced}
                  products={products}
                  currency={currency}
                  busy={busy}
                  onChange={setCart}
                  onComplete={(paid) => void complete(paid)}
                  onScan={(code) => scan(code, true)}
                  onBack={() => {
                    setStep({ kind: 'cart' });
                    focusBarcode();
                  }}
                />
              ) : (
                <p className="hint" role="status">
                  {t('pay.preparing')}
                </p>
              )
            ) : (
              <button
                type="button"
                className="primary pay-button"
                data-testid="pay"
                disabled={cart.lines.length === 0}
                onClick={() => setStep({ kind: 'pay' })}
              >
                {t('pay.open')}
                {currency && cart.lines.length > 0 ? (
                  <span className="pay-amount">
                    {formatMoney(priced.totals.totalMinor, currency)}
                  </span>
                ) : null}
              </button>
            )}
          </>
        )}
      </section>
    </div>
  );
}
