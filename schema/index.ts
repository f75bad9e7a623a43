export type { AuditEntityType } from './audit-entity.ts';
export { AUDIT_ENTITY_TYPES, AUDIT_ENTITY_TYPE_OF_ACTION } from './audit-entity.ts';
export type { Branch } from './branch.ts';
export { branchSchema } from './branch.ts';
export type { Category, CategoryInput } from './category.ts';
export { categoryInputSchema, categorySchema } from './category.ts';
export { categoryRxSchema } from './category-rx-schema.ts';
export type {
  AccountStatus,
  Customer,
  CustomerClocks,
  CustomerCreate,
  CustomerEditableField,
  CustomerFields,
  CustomerPatch,
  CustomerUpsert,
} from './customer.ts';
export {
  ACCOUNT_STATUSES,
  BALANCE_MAX_MINOR,
  CUSTOMER_CLOUD_FIELDS,
  CUSTOMER_DEFAULTS,
  CUSTOMER_EDITABLE_FIELDS,
  accountStatusSchema,
  customerClocksSchema,
  customerCreateSchema,
  customerFieldsSchema,
  customerPatchSchema,
  customerSchema,
  customerUpsertSchema,
  emailSchema,
  hlcSchema,
  newCustomerDocument,
  normalizeEmail,
  normalizePhone,
  patchCustomerDocument,
  phoneSchema,
} from './customer.ts';
export { customerRxSchema } from './customer-rx-schema.ts';
export type { ErrorCodeInfo } from './error-codes.ts';
export { ERROR_CODES, ErrorCode, isErrorCode } from './error-codes.ts';
export {
  asVersion1Sale,
  makeBranchProduct,
  makeCategory,
  makeProduct,
  makeReturn,
  makeSale,
  makeSaleLine,
} from './fixtures.ts';
export type {
  InventoryItem,
  InventoryItemData,
  InventoryOperation,
  InventoryReason,
} from './inventory.ts';
export {
  INVENTORY_ID_MAX_LENGTH,
  ON_HAND_MAX,
  adjustInventory,
  countInventory,
  createInventoryItem,
  inventoryCrdtsSchema,
  inventoryItemId,
  inventoryItemSchema,
  inventoryItemWireSchema,
  inventoryReasonSchema,
} from './inventory.ts';
export { inventoryRxSchema } from './inventory-rx-schema.ts';
export {
  BPS_PER_UNIT,
  computeLineTaxMinor,
  currencySchema,
  minorAmountSchema,
  multiplyMinor,
  taxRateBpsSchema,
} from './money.ts';
export type { OfflineLimitProblem, OfflinePolicy } from './offline-policy.ts';
export {
  DEFAULT_OFFLINE_POLICY,
  isOffline,
  offlineLimitProblems,
  offlinePolicySchema,
  requireOverride,
} from './offline-policy.ts';
export type { PosErrorOptions } from './pos-error.ts';
export { PosError, isPosError } from './pos-error.ts';
export { parseInput } from './parse-input.ts';
export { priceSaleLine } from './price-sale-line.ts';
export {
  ID_MAX_LENGTH,
  ISO_DATE_TIME_MAX_LENGTH,
  idSchema,
  isoDateTimeSchema,
  nameSchema,
  textSchema,
} from './primitives.ts';
export { NAME_KEY_MAX_LENGTH, nameKeyOf } from './name-key.ts';
export type {
  BranchPrice,
  BranchProduct,
  Product,
  ProductInput,
  StoredProduct,
} from './product.ts';
export {
  barcodeSchema,
  branchPriceSchema,
  branchProductSchema,
  branchViewOfStored,
  isInAssortment,
  productInputSchema,
  productSchema,
  skuSchema,
  storedProductSchema,
  toBranchProduct,
  withNameKey,
} from './product.ts';
export { productRxMigrations, productRxSchema } from './product-rx-schema.ts';
export type { RejectedEvent } from './rejected-event.ts';
export { rejectedEventSchema } from './rejected-event.ts';
export type {
  AccountCheck,
  OverrideCode,
  Payment,
  PaymentMethod,
  ReturnOf,
  Sale,
  SaleContent,
  SaleError,
  SaleKind,
  SaleLine,
  SaleLineInput,
  SaleOverride,
  SaleSyncState,
  SaleTotals,
} from './sale.ts';
export {
  ACCOUNT_VERIFICATIONS,
  OVERRIDE_CODES,
  REASON_MAX_LENGTH,
  RETURN_SOURCES,
  SALE_KINDS,
} from './constants.ts';
export {
  SALE_LINE_V2_DEFAULTS,
  SALE_V2_DEFAULTS,
  withSaleV2Defaults,
  withoutSaleV2Defaults,
} from './sale-defaults.ts';
export {
  PAYMENT_METHODS,
  accountCheckSchema,
  accountVerificationSchema,
  overrideCodeSchema,
  paymentMethodSchema,
  paymentSchema,
  quantitySchema,
  reasonSchema,
  returnOfSchema,
  saleContentOf,
  saleErrorSchema,
  saleIdempotencyKey,
  saleKindSchema,
  saleLineInputSchema,
  saleLineSchema,
  saleOverrideSchema,
  saleSchema,
  saleSyncStateSchema,
  saleTotalsSchema,
} from './sale.ts';
export { saleRxMigrations, saleRxSchema } from './sale-rx-schema.ts';
export type { SaleLineAmounts, SaleLinePricing } from './sale-totals.ts';
export { computeSaleLine, computeSaleLineAmounts, computeSaleTotals } from './sale-totals.ts';
export type { ReturnLineAmounts, ReturnProblem, ReturnedLine } from './return-pricing.ts';
export {
  NOTHING_RETURNED,
  addReturned,
  buildReturnLine,
  checkReturnAgainstOriginal,
  completingReturnAmounts,
  partialReturnAmounts,
  priceReturnQuantity,
  returnRefusalCode,
} from './return-pricing.ts';
export type { Terminal } from './terminal.ts';
export { terminalSchema } from './terminal.ts';
export type { Tenant } from './tenant.ts';
export { DEFAULT_TENANT_ID, tenantSchema } from './tenant.ts';
export { createUuidV7, uuidV7Schema, uuidV7Timestamp } from './uuid-v7.ts';
export type {
  SaleBounds,
  SaleProblem,
  SaleRule,
  SaleValidationResult,
  ValidateSaleOptions,
} from './validate-sale.ts';
export {
  DEFAULT_SALE_BOUNDS,
  checkCreatedAt,
  checkEventIdJump,
  validateSale,
} from './validate-sale.ts';
export type { AccountEffect } from './account-effect.ts';
export { accountEffectOf } from './account-effect.ts';
