package io.sluice.peers.nexmark;

import java.util.Objects;

/** Q3's output: the seller's name, city and state, and the auction's id. A Flink POJO. */
public class NameCityStateId {
  public String name;
  public String city;
  public String state;
  public long id;

  public NameCityStateId() {}

  public NameCityStateId(String name, String city, String state, long id) {
    this.name = name;
    this.city = city;
    this.state = state;
    this.id = id;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NameCityStateId n && id == n.id && Objects.equals(name, n.name)
        && Objects.equals(city, n.city) && Objects.equals(state, n.state);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, city, state, id);
  }

  @Override
  public String toString() {
    return "NameCityStateId{" + name + "," + city + "," + state + "," + id + "}";
  }
}
