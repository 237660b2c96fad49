// STAND-IN for CloudStack's com.cloud.utils.crypt.EncryptionCLI (-i value -p key),
// run as a single-file Java program. It does not encrypt: it prints
// base64("<key>/<value>"), so a test can check that both arrived intact.
import java.util.Base64;

public class EncryptionCLI {
    public static void main(String[] args) {
        String input = null;
        String key = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("-i")) input = args[i + 1];
            if (args[i].equals("-p")) key = args[i + 1];
        }
        if (input == null || key == null) {
            System.err.println("usage: EncryptionCLI -i VALUE -p KEY");
            System.exit(2);
        }
        System.out.println(Base64.getEncoder().encodeToString((key + "/" + input).getBytes()));
    }
}
