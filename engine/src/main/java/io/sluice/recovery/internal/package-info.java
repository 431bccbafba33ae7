/**
 * The recovery store's file layout, chunk codec and commit bookkeeping, shared by the engine's
 * runtime and Sluice's own tests. Not API: it may change in any release and is left out of the
 * published Javadoc. Users create and read stores with {@link io.sluice.recovery.RecoveryStore}.
 */
package io.sluice.recovery.internal;
