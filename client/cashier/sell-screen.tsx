import type { RefObject } from 'react';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { RxDocument } from 'rxdb';
import type { BranchProduct, Category, Sale, StoredProduct } from '../../schema/index.ts';
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
export const SellScreen = memo(function SellScreen({
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
  const barcodeRef = useRef<HTMLInputElement>(null);
  /**
   * Products the page already holds for lines it added (a scan's or a tile's document), so a new
   * line shows its name and price in the same frame; the live query below takes over (a price
   * change reaches the open cart).
   */
  const [picked, setPicked] = useState<ReadonlyMap<string, BranchProduct>>(new Map());

  const live = useProductsByIds(useMemo(() => cart.lines.map((l) => l.productId), [cart]));
  const products = useMemo(() => {
    if (picked.size === 0) return live;
    const merged = new Map(picked);
    for (const [id, product] of live) merged.set(id, product);
    return merged;
  }, [live, picked]);
  const currency = saleCurrency(cart, products, branchCurrency);
  const priced = useMemo(() => priceCart(cart, products, currency), [cart, products, currency]);

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
      setPicked((before) => new Map(before).set(product.id, product));
      setCart((before) => addProduct(before, product.id));
      setStep((before) => (before.kind === 'receipt' ? { kind: 'cart' } : before));
      announce(t('sell.barcode.added', { name: product.name }));
    },
    [announce, t],
  );

  /**
   * Adds the product of a scanned barcode (or typed SKU); false when there is none. `settled` runs
   * in the same render as the new line (the barcode field clears as the line shows).
   */
  const scan = useCallback(
    async (code: string, quietMiss = false, settled?: () => void): Promise<boolean> => {
      let found: RxDocument<StoredProduct> | null = null;
      let failure: Error | null = null;
      try {
        found =
          (await terminal.db.products.findOne({ selector: { barcode: code } }).exec()) ??
          (await terminal.db.products.findOne({ selector: { sku: code } }).exec());
      } catch (error) {
        failure = error as Error;
      }
      // Rendered in the task that brought the answer: the next frame shows the line.
      flushSync(() => {
        settled?.();
        if (found) add(found.toJSON() as BranchProduct);
      });
      if (failure) {
        announce(t('sell.barcode.failed', { code, message: failure.message }), 'error');
      } else if (!found && !quietMiss) {
        announce(t('sell.barcode.notFound', { code }), 'error');
      }
      return found !== null;
    },
    [terminal, add, announce, t],
  );

  const complete = async (paid: Cart) => {
    setBusy(true);
    try {
      const sale = await terminal.sell(toSellInput(paid));
      setCart(EMPTY_CART);
      setPicked(new Map());
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
    setPicked(new Map());
    focusBarcode();
  };

  /** Enter in the barcode field: a code adds its product; on an empty field, pay or next sale. */
  const submitBarcode = (code: string, settled: () => void) => {
    if (code) {
      void scan(code, false, settled);
      return;
    }
    settled();
    if (step.kind === 'receipt') newSale();
    // Paying may start before the cart's products have loaded: the panel opens with them.
    else if (cart.lines.length > 0) setStep({ kind: 'pay' });
  };
  const onBarcode = useRef(submitBarcode);
  onBarcode.current = submitBarcode;
  const stableSubmitBarcode = useCallback(
    (code: string, settled: () => void) => onBarcode.current(code, settled),
    [],
  );

  return (
    <div className="sell">
      <CatalogPanel
        barcodeRef={barcodeRef}
        catalogSize={catalogSize}
        onBarcode={stableSubmitBarcode}
        onPick={add}
      />
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
                    setPicked(new Map());
                    focusBarcode();
                  }}
                >
                  {t('cart.clear')}
                </button>
              ) : null}
            </header>
            <div className="cart-scroll">
              <CartLines priced={priced} currency={currency} onChange={setCart} />
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
});

/**
 * The barcode field, the search and its results. Its own component with its own state, so a
 * scanner's keystrokes and a search re-render only this side, never the sale being rung up.
 */
const CatalogPanel = memo(function CatalogPanel({
  barcodeRef,
  catalogSize,
  onBarcode,
  onPick,
}: {
  barcodeRef: RefObject<HTMLInputElement | null>;
  catalogSize: number | null;
  /**
   * Enter in the barcode field, with the trimmed code (empty when nothing was typed); `settled`
   * takes the code out of the field, in the render that shows its outcome.
   */
  onBarcode: (code: string, settled: () => void) => void;
  onPick: (product: BranchProduct) => void;
}) {
  const { t } = useI18n();
  const [barcode, setBarcode] = useState('');
  /**
   * Codes entered and still being looked up, in the order they stand in the field. A code stays in
   * the field until its line shows (no frame spent clearing the field while the answer is on its
   * way); a scanner that starts the next code before then types after it, and Enter sends only
   * what was typed since.
   */
  const pending = useRef<string[]>([]);
  const [search, setSearch] = useState('');
  /** `undefined` until the cashier picks one: the first category's tiles show, a search spans all. */
  const [chosenCategory, setCategoryId] = useState<string | null | undefined>(undefined);
  const categories = useCategories();
  const categoryId =
    chosenCategory !== undefined
      ? chosenCategory
      : search.trim()
        ? null
        : (categories[0]?.id ?? null);
  const results = useProductSearch(search, categoryId, catalogSize);

  return (
    <section className="catalog-panel" aria-label={t('sell.search.label')}>
      <form
        className="scan-row"
        onSubmit={(event) => {
          event.preventDefault();
          const before = pending.current.join('');
          const typed = barcode.startsWith(before) ? barcode.slice(before.length) : barcode;
          const code = typed.trim();
          // Enter while only earlier codes are still being looked up: nothing new to send.
          if (!code && pending.current.length > 0) return;
          pending.current.push(typed);
          onBarcode(code, () => {
            // Takes this code out of the field, wherever earlier ones left it.
            const index = pending.current.indexOf(typed);
            const offset = pending.current.slice(0, index).join('').length;
            pending.current.splice(index, 1);
            setBarcode((field) =>
              field.slice(offset, offset + typed.length) === typed
                ? field.slice(0, offset) + field.slice(offset + typed.length)
                : field,
            );
          });
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
      <CategoryChips categories={categories} categoryId={categoryId} onChoose={setCategoryId} />
      <p className="results-summary" aria-live="polite">
        {search.trim() || categoryId
          ? results.products.length === 0 && !results.loading
            ? t('sell.search.none', { query: search.trim() })
            : t('sell.search.results', { count: results.products.length })
          : t('sell.search.hint')}
      </p>
      <ProductGrid products={results.products} onPick={onPick} />
    </section>
  );
});

const CategoryChips = memo(function CategoryChips({
  categories,
  categoryId,
  onChoose,
}: {
  categories: readonly Category[];
  categoryId: string | null;
  onChoose: (categoryId: string | null) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="chips" role="group" aria-label={t('sell.categories')}>
      <button
        type="button"
        className="chip"
        aria-pressed={categoryId === null}
        onClick={() => onChoose(null)}
      >
        {t('sell.allCategories')}
      </button>
      {categories.map((category) => (
        <button
          key={category.id}
          type="button"
          className="chip"
          aria-pressed={categoryId === category.id}
          onClick={() => onChoose(category.id)}
        >
          {category.name}
        </button>
      ))}
    </div>
  );
});

/** The search results as tiles; a tile adds its product to the sale. */
const ProductGrid = memo(function ProductGrid({
  products,
  onPick,
}: {
  products: readonly BranchProduct[];
  onPick: (product: BranchProduct) => void;
}) {
  const { t, formatMoney } = useI18n();
  return (
    <ul className="product-grid" id="search-results" data-testid="search-results">
      {products.map((product) => (
        <li key={product.id}>
          <button
            type="button"
            className="product-tile"
            data-testid="product-tile"
            data-product-id={product.id}
            disabled={!product.active}
            onClick={() => onPick(product)}
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
  );
});
