import java.net.ServerSocket;
import java.net.Socket;

/** A TCP listener for the end-to-end test: accepts and closes connections on the given port, forever. */
public class Listen {
    public static void main(String[] args) throws Exception {
        try (ServerSocket s = new ServerSocket(Integer.parseInt(args[0]))) {
            System.out.println("listening on " + args[0]);
            while (true) {
                Socket c = s.accept();
                c.close();
            }
        }
    }
}
