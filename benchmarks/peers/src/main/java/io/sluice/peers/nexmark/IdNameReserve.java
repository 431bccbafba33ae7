package io.sluice.peers.nexmark;

import java.util.Objects;

/** Q8's output: a new person's id and name, and the reserve of an auction they opened in the same window. A Flink POJO. */
public class IdNameReserve {
  public long id;
  public String name;
  public long reserve;

  public IdNameReserve() {}

  public IdNameReserve(long id, String name, long reserve) {
    this.id = id;
    this.name = name;
    this.reserve = reserve;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdNameReserve r && id == r.id && reserve == r.reserve && Objects.equals(name, r.name);
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(id) * 31 + Long.hashCode(reserve)) * 31 + Objects.hashCode(name);
  }

  @Override
  public String toString() {
    return "IdNameReserve{" + id + "," + name + "," + reserve + "}";
  }
}
