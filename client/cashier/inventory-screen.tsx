import { useMemo, useState } from 'react';
import type { MangoQuery } from 'rxdb';
import { useLiveRxQuery } from 'rxdb/plugins/react';
import type { BranchProduct, InventoryItem, InventoryReason } from '../../schema/index.ts';
import { useAnnounce } from './announcer.tsx';
import { useInventoryOf, useProductSearch, useProductsByIds } from './catalog-hooks.ts';
import { useI18n } from './i18n-context.tsx';
import { ADJUSTMENT_REASONS } from './inventory-reasons.ts';
import { useTerminal } from './terminal-context.tsx';

const STOCKED: MangoQuery<InventoryItem> = { selector: {}, limit: 50 };

/**
 * The branch's on-hand stock. With nothing typed it lists the products that have stock records;
 * typing searches the catalog. A selected product is counted (the counted quantity) or adjusted (a
 * signed change with one of the documented reasons).
 */
export function InventoryScreen({ catalogSize }: { catalogSize: number | null }) {
  const { t, formatNumber, formatDateTime } = useI18n();
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const found = useProductSearch(search, null, catalogSize);
  const stocked = useLiveRxQuery<InventoryItem>({ collection: 'inventory', query: STOCKED });
  const stockedIds = useMemo(
    () => stocked.results.map((doc) => (doc.toJSON() as InventoryItem).productId),
    [stocked.results],
  );
  const stockedProducts = useProductsByIds(search.trim() ? [] : stockedIds);
  const products: BranchProduct[] = search.trim()
    ? found.products
    : stockedIds.flatMap((id) => {
        const product = stockedProducts.get(id);
        return product ? [product] : [];
      });
  const inventory = useInventoryOf(useMemo(() => products.map((p) => p.id), [products]));
  const current = products.find((p) => p.id === selected) ?? null;

  return (
    <section className="screen inventory" aria-labelledby="inventory-title">
      <header className="screen-head">
        <h1 id="inventory-title">{t('inventory.title')}</h1>
        <div className="search-row compact">
          <label htmlFor="inventory-search" className="visually-hidden">
            {t('inventory.search')}
          </label>
          <input
            id="inventory-search"
            type="search"
            className="search-input"
            data-testid="inventory-search"
            placeholder={t('inventory.search')}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
      </header>
      <div className="inventory-body">
        <table className="data-table selectable" data-testid="inventory-table">
          <thead>
            <tr>
              <th scope="col">{t('cart.item')}</th>
              <th scope="col" className="num">
                {t('inventory.onHand')}
              </th>
              <th scope="col">{t('inventory.lastReason')}</th>
              <th scope="col">{t('inventory.lastCounted')}</th>
            </tr>
          </thead>
          <tbody>
            {products.map((product) => {
              const item = inventory.get(product.id);
              return (
                <tr
                  key={product.id}
                  data-testid="inventory-row"
                  data-product-id={product.id}
                  aria-selected={product.id === selected}
                  onClick={() => setSelected(product.id)}
                >
                  <th scope="row">
                    <button
                      type="button"
                      className="row-button"
                      onClick={() => setSelected(product.id)}
                    >
                      {product.name}
                    </button>
                    <span className="cart-item-meta">
                      <bdi>{product.sku}</bdi>
                    </span>
                  </th>
                  <td className="num on-hand" data-testid="on-hand">
                    {formatNumber(item?.onHand ?? 0)}
                  </td>
                  <td>
                    {item?.lastReason
                      ? t(`inventory.reason.${item.lastReason}` as const)
                      : t('inventory.never')}
                  </td>
                  <td>
                    {item?.lastCountedAt
                      ? formatDateTime(item.lastCountedAt)
                      : t('inventory.never')}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {current ? (
          <StockEditor
            key={current.id}
            product={current}
            onHand={inventory.get(current.id)?.onHand ?? 0}
          />
        ) : null}
      </div>
    </section>
  );
}

function StockEditor({ product, onHand }: { product: BranchProduct; onHand: number }) {
  const { t, formatNumber, parseInteger } = useI18n();
  const terminal = useTerminal();
  const announce = useAnnounce();
  const [counted, setCounted] = useState('');
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState<Exclude<InventoryReason, 'count'>>('receiving');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<number>, reset: () => void) => {
    setBusy(true);
    try {
      const now = await action();
      reset();
      setError(null);
      announce(t('inventory.saved', { name: product.name, count: now }));
    } catch (cause) {
      announce(t('error.generic', { message: (cause as Error).message }), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <aside className="stock-editor" aria-labelledby="stock-editor-title" data-testid="stock-editor">
      <h2 id="stock-editor-title" className="panel-title">
        {product.name}
      </h2>
      <p className="stock-now">
        {t('inventory.onHand')}: <strong>{formatNumber(onHand)}</strong>
      </p>
      <form
        className="stock-form"
        onSubmit={(event) => {
          event.preventDefault();
          const value = parseInteger(counted);
          if (value === null || value < 0) return setError(t('inventory.invalid'));
          void run(
            () => terminal.countInventory(product.id, value),
            () => setCounted(''),
          );
        }}
      >
        <h3>{t('inventory.count')}</h3>
        <label htmlFor="count-input">{t('inventory.counted', { name: product.name })}</label>
        <div className="inline">
          <input
            id="count-input"
            data-testid="count-input"
            inputMode="numeric"
            autoComplete="off"
            value={counted}
            onChange={(event) => setCounted(event.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('inventory.saveCount')}
          </button>
        </div>
      </form>
      <form
        className="stock-form"
        onSubmit={(event) => {
          event.preventDefault();
          const value = parseInteger(delta);
          if (value === null || value === 0) return setError(t('inventory.invalid'));
          void run(
            () => terminal.adjustInventory(product.id, value, reason),
            () => setDelta(''),
          );
        }}
      >
        <h3>{t('inventory.adjust')}</h3>
        <label htmlFor="delta-input">{t('inventory.delta', { name: product.name })}</label>
        <input
          id="delta-input"
          data-testid="delta-input"
          autoComplete="off"
          value={delta}
          onChange={(event) => setDelta(event.target.value)}
        />
        <label htmlFor="reason-select">{t('inventory.reason')}</label>
        <div className="inline">
          <select
            id="reason-select"
            data-testid="reason-select"
            value={reason}
            onChange={(event) => setReason(event.target.value as typeof reason)}
          >
            {ADJUSTMENT_REASONS.map((value) => (
              <option key={value} value={value}>
                {t(`inventory.reason.${value}` as const)}
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={busy}>
            {t('inventory.saveAdjust')}
          </button>
        </div>
      </form>
      <p className="field-error" role="alert">
        {error}
      </p>
    </aside>
  );
}
