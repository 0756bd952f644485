package org.twinmail.core.event;

/** Receives {@link StoreEvent}s on the store's writer thread: must return quickly and never block. */
@FunctionalInterface
public interface StoreListener {
    void onEvent(StoreEvent event);
}
