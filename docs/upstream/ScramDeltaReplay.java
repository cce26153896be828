// Minimal reproduction for the Apache Kafka issue described in docs/upstream/kafka-scram-delta.md.
// Run against the jars of any Kafka 4.x release (no broker needed):
//   java -cp '/path/to/kafka/libs/*' ScramDeltaReplay.java
// It replays what a broker replays at start-up when its metadata log has no snapshot yet: the creation of
// three SCRAM-SHA-512 users and the removal of one of them, in one delta applied to the empty image.
import java.util.List;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.metadata.RemoveUserScramCredentialRecord;
import org.apache.kafka.common.metadata.UserScramCredentialRecord;
import org.apache.kafka.image.ScramDelta;
import org.apache.kafka.image.ScramImage;

public class ScramDeltaReplay {
    static UserScramCredentialRecord user(String name) {
        return new UserScramCredentialRecord()
            .setName(name)
            .setMechanism(ScramMechanism.SCRAM_SHA_512.type())
            .setSalt(new byte[] {1, 2, 3})
            .setStoredKey(new byte[64])
            .setServerKey(new byte[64])
            .setIterations(4096);
    }

    static ScramImage replay(List<String> created, String removed) {
        ScramDelta delta = new ScramDelta(ScramImage.EMPTY);
        for (String name : created) delta.replay(user(name));
        delta.replay(new RemoveUserScramCredentialRecord()
            .setName(removed)
            .setMechanism(ScramMechanism.SCRAM_SHA_512.type()));
        return delta.apply();
    }

    public static void main(String[] args) {
        List<String> created = List.of("admin", "acme.billing", "xuser");
        ScramImage image = replay(created, "xuser");
        var users = image.mechanisms().getOrDefault(ScramMechanism.SCRAM_SHA_512, java.util.Map.of()).keySet();
        System.out.println("created " + created + ", removed [xuser]");
        System.out.println("expected SCRAM-SHA-512 users: [acme.billing, admin]");
        System.out.println("actual   SCRAM-SHA-512 users: " + new java.util.TreeSet<>(users));
        boolean ok = users.contains("admin") && users.contains("acme.billing");
        System.out.println(ok ? "OK: not affected" : "BUG: users that were never removed are missing from the image");
        System.exit(ok ? 0 : 1);
    }
}
