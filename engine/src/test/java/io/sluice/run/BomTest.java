package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** sluice-bom lists every module the release publishes (all but the examples and benchmarks). */
class BomTest {
  private static final Path ROOT = Path.of("..");

  private static Document parse(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  /** The artifactId of a pom (its own, not its parent's). */
  private static String artifactId(Path pom) throws Exception {
    Element project = parse(pom).getDocumentElement();
    NodeList children = project.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i) instanceof Element e && e.getTagName().equals("artifactId")) {
        return e.getTextContent().trim();
      }
    }
    throw new AssertionError(pom + " has no artifactId");
  }

  @Test
  void theBomListsEveryPublishedModule() throws Exception {
    List<String> published = new ArrayList<>();
    NodeList modules = parse(ROOT.resolve("pom.xml")).getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      String id = artifactId(ROOT.resolve(module).resolve("pom.xml"));
      if (!id.equals("sluice-bom") && !id.equals("sluice-examples") && !id.startsWith("sluice-benchmarks")) {
        published.add(id);
      }
    }
    List<String> inBom = new ArrayList<>();
    Element managed = (Element) parse(ROOT.resolve("bom").resolve("pom.xml"))
        .getElementsByTagName("dependencyManagement").item(0);
    NodeList ids = managed.getElementsByTagName("artifactId");
    for (int i = 0; i < ids.getLength(); i++) {
      inBom.add(ids.item(i).getTextContent().trim());
    }
    assertThat(published).hasSizeGreaterThanOrEqualTo(8);
    assertThat(inBom).containsExactlyInAnyOrderElementsOf(published);
  }
}
