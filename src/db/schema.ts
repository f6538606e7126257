/**
 * The Drizzle schema. Times are integer milliseconds since the epoch (UTC); JSON columns hold values whose shape
 * is owned by the feature that writes them (its TypeBox schema). snake_case in SQL, camelCase in TypeScript.
 */

export * from './tables/content.js'
export * from './tables/facts.js'
export * from './tables/views.js'
