import { z } from 'zod';
import { idSchema, isoDateTimeSchema, nameSchema } from './primitives.ts';

/**
 * A product category, as the cloud stores it and as terminals hold it (categories are the same for every
 * branch, so the branch view is the category itself). `parentId` builds a tree; `null` is a root.
 */
export const categorySchema = z.object({
  id: idSchema,
  name: nameSchema,
  parentId: idSchema.nullable(),
  /** Display order among siblings; lower first. */
  sortOrder: z.int().min(0).max(1_000_000),
  /** Server time of the last change; informative only, pulls order by seq. */
  updatedAt: isoDateTimeSchema,
});

/** A product category. */
export type Category = z.infer<typeof categorySchema>;

/** Admin input to create or replace a category; the server stamps `updatedAt`. */
export const categoryInputSchema = z.object({
  id: idSchema,
  name: nameSchema,
  parentId: idSchema.nullable().default(null),
  sortOrder: z.int().min(0).max(1_000_000).default(0),
});

/** Admin input to create or replace a category. */
export type CategoryInput = z.infer<typeof categoryInputSchema>;
