package io.sluice.peers.nexmark;

import java.util.Objects;

/** A NEXMark person (a new user of the auction site). A Flink POJO: public fields, no-arg constructor. */
public class Person {
  public long id;
  public String name;
  public String emailAddress;
  public String creditCard;
  public String city;
  public String state;
  /** Event time, epoch ms. */
  public long dateTime;
  public String extra;

  public Person() {}

  public Person(long id, String name, String emailAddress, String creditCard, String city, String state,
      long dateTime, String extra) {
    this.id = id;
    this.name = name;
    this.emailAddress = emailAddress;
    this.creditCard = creditCard;
    this.city = city;
    this.state = state;
    this.dateTime = dateTime;
    this.extra = extra;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Person p && id == p.id && dateTime == p.dateTime && Objects.equals(name, p.name)
        && Objects.equals(emailAddress, p.emailAddress) && Objects.equals(creditCard, p.creditCard)
        && Objects.equals(city, p.city) && Objects.equals(state, p.state) && Objects.equals(extra, p.extra);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Long.hashCode(dateTime);
  }

  @Override
  public String toString() {
    return "Person{" + id + "," + name + "," + emailAddress + "," + creditCard + "," + city + "," + state + ","
        + dateTime + "}";
  }
}
