import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP listener for the end-to-end tests: accepts and closes connections on the given port, forever,
 * printing "accepted from ADDRESS" for each, so a test sees which backend a connection reached and
 * with which source address (masquerade).
 */
public class Listen {
    public static void main(String[] args) throws Exception {
        try (ServerSocket s = new ServerSocket(Integer.parseInt(args[0]))) {
            System.out.println("listening on " + args[0]);
            while (true) {
                Socket c = s.accept();
                System.out.println("accepted from " + c.getInetAddress().getHostAddress());
                c.close();
            }
        }
    }
}
