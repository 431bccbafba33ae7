package io.sluice.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that only runs inside another test, through {@link Fixtures#engine()}: some
 * fixtures fail on purpose, so run directly (e.g. by a broad {@code -Dtest} pattern) they are skipped.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Fixtures.OnlyInsideEngineTestKit.class)
@interface Fixture {}
