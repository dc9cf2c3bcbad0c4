"""Real directory servers for the user-mapper tests: OpenLDAP (slapd) and a Samba AD DC.

Both run from private directories, bound to 127.0.0.1 only, as processes this module starts
and stops by PID. Nothing is installed here: the packages are listed in apt-packages.txt.
Provisioning a Samba domain takes about 10 s, so the provisioned directory (users included) is
kept as a template under /var/lib/jobbergate-agent-lab/samba-template and copied for each run.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ldap3 import BASE, NONE, Connection, Server

HERE = Path(__file__).parent
SAMBA_TEMPLATE_ROOT = Path("/var/lib/jobbergate-agent-lab/samba-template")
SYSTEM_PYTHON = "/usr/bin/python3"  # samba's Python bindings live in the system Python

# Addresses the tests look up. The weird one holds every filter metacharacter.
WEIRD_EMAIL = "o*(dd)\\one@example.com"
PEOPLE = {
    # key: (username, [mail values], disabled)
    "alice": ("alice", ["alice@example.com"], False),
    "shared1": ("shared1", ["shared@example.com"], False),
    "shared2": ("shared2", ["shared@example.com"], False),
    "weird": ("weird", [WEIRD_EMAIL], False),
    "mixed": ("Mixed.Case", ["Mixed.Case@Example.COM"], False),
    "nomail": ("nomail", [], False),
    "disabled": ("gone", ["gone@example.com"], True),
    # one disabled and one enabled entry share an address: only the enabled one counts
    "old": ("old.dave", ["dave@example.com"], True),
    "new": ("dave", ["dave@example.com"], False),
}
# several mail values on one entry: OpenLDAP only (AD's mail attribute is single-valued)
MULTI_MAIL = ("multi", ["multi@example.com", "multi.alias@example.org"])


class ServerSetupError(RuntimeError):
    """A test server could not be set up; the message says what to do."""


def require_binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else "")
    if not path:
        packages = ", ".join(HERE.joinpath("apt-packages.txt").read_text().split())
        raise ServerSetupError(
            f"{name} is not installed; the LDAP tests need the apt packages {packages}"
        )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def rootdse_answers(host: str, port: int) -> bool:
    """Ready means an anonymous rootDSE read answers, not just an open port."""
    try:
        connection = Connection(
            Server(host, port=port, get_info=NONE, connect_timeout=1), receive_timeout=2
        )
        connection.open()
        ok = connection.search("", "(objectClass=*)", search_scope=BASE, attributes=["1.1"])
        connection.unbind()
        return bool(ok)
    except Exception:
        return False


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# --- TLS for Samba: a private CA and a server certificate naming 127.0.0.1 and localhost -----


def make_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jobbergate-agent test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)  # samba refuses a key others can read
    return ca_path, cert_path, key_path


# --- OpenLDAP -------------------------------------------------------------------------------


@dataclass
class SlapdServer:
    directory: Path
    port: int = field(default_factory=free_port)
    suffix: str = "dc=example,dc=com"
    admin_dn: str = "cn=admin,dc=example,dc=com"
    admin_password: str = "slapd-admin-secret"
    reader_dn: str = "cn=reader,dc=example,dc=com"
    reader_password: str = "reader-Secret-1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def search_base(self) -> str:
        return f"ou=people,{self.suffix}"

    def setup(self) -> None:
        slapadd = require_binary("slapadd")
        require_binary("slapd")
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "data").mkdir(exist_ok=True)
        schema = Path("/etc/ldap/schema")
        conf = "\n".join(
            [
                *(
                    f"include {schema / n}.schema"
                    for n in ("core", "cosine", "inetorgperson", "nis")
                ),
                f"pidfile {self.directory / 'slapd.pid'}",
                f"argsfile {self.directory / 'slapd.args'}",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "database mdb",
                f"suffix {self.suffix}",
                f"rootdn {self.admin_dn}",
                f"rootpw {self.admin_password}",
                f"directory {self.directory / 'data'}",
                "maxsize 10485760",
                # anonymous may read the rootDSE (readiness) and bind; only the reader reads people
                'access to dn.base="" by * read',
                "access to attrs=userPassword by anonymous auth by * none",
                f'access to * by dn.exact="{self.reader_dn}" read by * none',
                "",
            ]
        )
        (self.directory / "slapd.conf").write_text(conf)
        (self.directory / "users.ldif").write_text(self._ldif())
        subprocess.run(
            [
                slapadd,
                "-q",
                "-f",
                str(self.directory / "slapd.conf"),
                "-l",
                str(self.directory / "users.ldif"),
            ],
            check=True,
            capture_output=True,
        )

    def _ldif(self) -> str:
        def value(name: str, text: str) -> str:
            if text.isascii() and text.isprintable() and not text.startswith((" ", ":", "<")):
                return f"{name}: {text}"
            return f"{name}:: {base64.b64encode(text.encode()).decode()}"

        blocks = [
            f"dn: {self.suffix}\nobjectClass: dcObject\nobjectClass: organization\n"
            "o: Example\ndc: example",
            f"dn: {self.search_base}\nobjectClass: organizationalUnit\nou: people",
            f"dn: {self.reader_dn}\nobjectClass: simpleSecurityObject\nobjectClass: "
            f"organizationalRole\ncn: reader\nuserPassword: {self.reader_password}",
        ]
        people = [(u, m) for u, m, disabled in PEOPLE.values() if not disabled]
        people.append(MULTI_MAIL)
        for number, (username, mails) in enumerate(people, start=1000):
            lines = [
                f"dn: uid={username},{self.search_base}",
                "objectClass: inetOrgPerson",
                "objectClass: posixAccount",
                f"uid: {username}",
                f"cn: {username}",
                f"sn: {username}",
                f"uidNumber: {number}",
                f"gidNumber: {number}",
                f"homeDirectory: /home/{username}",
                *(value("mail", mail) for mail in mails),
            ]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def start(self) -> None:
        slapd = require_binary("slapd")
        log = open(self.directory / "slapd.log", "ab")  # noqa: SIM115 (lives with the process)
        # -d 0: stay in the foreground (so the PID is ours) without debug output
        self.process = subprocess.Popen(
            [slapd, "-f", str(self.directory / "slapd.conf"), "-h", f"{self.uri}/", "-d", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerSetupError(
                    f"slapd exited with {self.process.returncode}; see {self.directory}/slapd.log"
                )
            if rootdse_answers("127.0.0.1", self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise ServerSetupError(f"slapd did not answer on {self.uri} within 15 s")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


# --- Samba Active Directory -----------------------------------------------------------------

SAMBA_REALM = "LAB.EXAMPLE.COM"
SAMBA_DOMAIN = "LAB"
SAMBA_ADMIN_PASSWORD = "Adm1n-Secret-Pass"
SAMBA_USER_PASSWORD = "Us3r-Secret-Pass"

# Runs under the system Python, which has samba's bindings: adds the test people.
_SAMBA_USERS_SCRIPT = """
import json, sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
conf, people, password = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
lp = LoadParm(); lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
for username, mails, disabled in people:
    db.newuser(username, password, mailaddress=(mails[0] if mails else None))
    if disabled:
        db.disable_account("(sAMAccountName=%s)" % username)
"""


def _samba_template_key() -> str:
    import json

    # bump the first item when the provisioning options change
    text = json.dumps([2, sorted(PEOPLE.items()), _SAMBA_USERS_SCRIPT, SAMBA_ADMIN_PASSWORD])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class SambaServer:
    directory: Path
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None
    ca_file: Path | None = None

    base_dn: str = "DC=lab,DC=example,DC=com"
    admin_user: str = f"{SAMBA_DOMAIN}\\Administrator"
    admin_password: str = SAMBA_ADMIN_PASSWORD

    @property
    def conf(self) -> Path:
        return self.directory / "etc" / "smb.conf"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://{self.host}:636"

    @property
    def ldap_uri(self) -> str:
        return f"ldap://{self.host}:389"

    def setup(self) -> None:
        if os.geteuid() != 0:
            raise ServerSetupError("the Samba AD test server needs root (samba runs as root)")
        require_binary("samba")
        require_binary("samba-tool")
        template = ensure_samba_template()
        if self.directory.exists():
            shutil.rmtree(self.directory)
        # cp -a keeps the sysvol's extended attributes
        subprocess.run(["cp", "-a", str(template), str(self.directory)], check=True)
        self.ca_file, cert, key = make_tls_files(self.directory / "tls")
        text = self.conf.read_text().replace(str(template), str(self.directory))
        tls = (
            f"\ttls enabled = yes\n\ttls keyfile = {key}\n\ttls certfile = {cert}\n"
            f"\ttls cafile = {self.ca_file}\n"
        )
        self.conf.write_text(text.replace("[global]\n", "[global]\n" + tls, 1))

    def start(self) -> None:
        for port in (389, 636, 3268, 3269):
            if port_in_use(port, self.host):
                raise ServerSetupError(
                    f"port {port} on {self.host} is taken, so the Samba AD test server cannot "
                    "start; a system samba or slapd may hold it: stop it (e.g. `service "
                    "samba-ad-dc stop`, `service slapd stop`) and run the tests again"
                )
        log = open(self.directory / "samba-stdout.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["samba", "-s", str(self.conf), "-F", "-M", "single", "--debug-stdout"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerSetupError(
                    f"samba exited with {self.process.returncode}; see "
                    f"{self.directory}/samba-stdout.log"
                )
            if rootdse_answers(self.host, 389):
                return
            time.sleep(0.1)
        self.stop()
        raise ServerSetupError("samba did not answer on 389 within 30 s")

    def stop(self) -> None:
        stop_process(self.process, timeout=15)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def ensure_samba_template() -> Path:
    """The provisioned domain, made once and reused (a key in its name says what it holds)."""
    template = SAMBA_TEMPLATE_ROOT / _samba_template_key()
    if (template / "etc" / "smb.conf").exists():
        return template
    SAMBA_TEMPLATE_ROOT.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=SAMBA_TEMPLATE_ROOT))
    try:
        options = {
            "interfaces": "127.0.0.1/8",
            "bind interfaces only": "yes",
            "server services": "ldap",
            "pid directory": f"{building}/run",
            "ncalrpc dir": f"{building}/run/ncalrpc",
            "winbindd socket directory": f"{building}/run/winbindd",
            "ntp signd socket directory": f"{building}/run/ntp_signd",
            "log file": f"{building}/log/samba.log",
            "ldap server require strong auth": "yes",
        }
        command = [
            "samba-tool",
            "domain",
            "provision",
            f"--targetdir={building}",
            f"--realm={SAMBA_REALM}",
            f"--domain={SAMBA_DOMAIN}",
            "--server-role=dc",
            "--dns-backend=NONE",
            "--host-name=dc1",
            f"--adminpass={SAMBA_ADMIN_PASSWORD}",
            "--use-rfc2307",
            *(f"--option={key}={value}" for key, value in options.items()),
        ]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode:
            raise ServerSetupError(f"samba-tool domain provision failed:\n{run.stderr[-2000:]}")
        import json

        people = [list(p) for p in PEOPLE.values()]
        run = subprocess.run(
            [
                SYSTEM_PYTHON,
                "-c",
                _SAMBA_USERS_SCRIPT,
                str(building / "etc" / "smb.conf"),
                json.dumps(people),
                SAMBA_USER_PASSWORD,
            ],
            capture_output=True,
            text=True,
        )
        if run.returncode:
            raise ServerSetupError(f"adding the Samba test users failed:\n{run.stderr[-2000:]}")
        # The paths inside smb.conf name the build directory: make them name the template.
        conf = building / "etc" / "smb.conf"
        conf.write_text(conf.read_text().replace(str(building), str(template)))
        try:
            os.rename(building, template)  # atomic: a half-built template is never seen
        except OSError:
            if not (template / "etc" / "smb.conf").exists():
                raise
            shutil.rmtree(building)  # another test run finished the same template first
        for stale in SAMBA_TEMPLATE_ROOT.iterdir():  # templates of earlier test data
            if stale.name != template.name and not stale.name.startswith("building-"):
                shutil.rmtree(stale, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return template
