package io.sluice.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link KV} writes its {@code equals} and {@code hashCode} out (so that its first use in a JVM
 * does not bootstrap the records' method-handle machinery, docs/PERFORMANCE.md "Cold start"); they
 * must stay exactly what a record's generated ones return, since hash codes order hash maps and
 * may be kept.
 */
class KVTest {
  /** The same components as KV, with the generated methods. */
  record Generated(Object key, Object value) {}

  @Test
  void equalsAndHashCodeAreTheRecordsGeneratedOnes() {
    List<Object[]> samples = new ArrayList<>();
    Object[] keys = {1, -7L, "a", "", 3.5, List.of(1, 2), KV.of("nested", 2)};
    Object[] values = {null, 0, Long.MIN_VALUE, "v", Double.NaN, -0.0, List.of(), KV.of(1, null)};
    for (Object k : keys) {
      for (Object v : values) {
        samples.add(new Object[] {k, v});
      }
    }
    for (Object[] a : samples) {
      KV<Object, Object> kv = KV.of(a[0], a[1]);
      assertThat(kv.hashCode()).as("hashCode of %s", kv).isEqualTo(new Generated(a[0], a[1]).hashCode());
      for (Object[] b : samples) {
        assertThat(kv.equals(KV.of(b[0], b[1]))).as("%s equals KV(%s, %s)", kv, b[0], b[1])
            .isEqualTo(new Generated(a[0], a[1]).equals(new Generated(b[0], b[1])));
      }
      assertThat(kv.equals(new Generated(a[0], a[1]))).isFalse();
      assertThat(kv.equals(null)).isFalse();
    }
    assertThat(KV.of("k", 1).toString()).isEqualTo("KV[key=k, value=1]");
  }
}
