import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth, type UserRecord } from 'firebase-admin/auth';
import { printable } from '../http/log';

const USAGE = `usage: npm run admin:grant -- (--email ADDRESS | --uid UID) [--revoke] [--project ID]
Sets (or with --revoke removes) the 'admin' custom claim the status page's sign-in needs, keeping
the account's other claims. Against FIREBASE_AUTH_EMULATOR_HOST when set, else the project
(--project or GCLOUD_PROJECT) with application default credentials.`;

class UsageError extends Error {}

interface Args {
  email?: string;
  uid?: string;
  revoke: boolean;
  project?: string;
}

// A loose check on purpose: Identity Toolkit is the judge of what an address is; this only stops a
// flag's value that is plainly not one (a forgotten argument, `--revoke` taken as the address).
const EMAIL = /^[^\s@\p{C}]{1,64}@[^\s@\p{C}]{1,255}$/u;
// Firebase uids are 1-128 characters (https://firebase.google.com/docs/auth/admin/manage-users).
const UID = /^[^\s\p{C}]{1,128}$/u;

function parse(argv: string[]): Args {
  const args: Args = { revoke: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--revoke') args.revoke = true;
    else if (flag === '--email' || flag === '--uid' || flag === '--project') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value\n${USAGE}`);
      args[flag.slice(2) as 'email' | 'uid' | 'project'] = value;
    } else throw new UsageError(`unknown argument ${printable(flag, 60)}\n${USAGE}`);
  }
  if ((args.email === undefined) === (args.uid === undefined)) throw new UsageError(`give exactly one of --email or --uid\n${USAGE}`);
  if (args.email !== undefined && !EMAIL.test(args.email)) throw new UsageError(`--email: ${printable(args.email, 80)} is not an e-mail address`);
  if (args.uid !== undefined && !UID.test(args.uid)) throw new UsageError('--uid: 1-128 characters, no spaces or control characters');
  if (args.project !== undefined && !/^[a-z][a-z0-9-]{4,29}$/.test(args.project)) throw new UsageError(`--project: ${printable(args.project, 40)} is not a Firebase project id`);
  return args;
}

/**
 * `npm run admin:grant -- --email x@y [--revoke]`: the status page's `admin` custom claim, set or
 * removed with firebase-admin's setCustomUserClaims. Custom claims are replaced as a whole, so the
 * account's other claims are read first and written back with `admin` changed. That read-then-write
 * has no precondition (Identity Toolkit offers none for claims): a claim another tool writes to the
 * same account in the same second can be lost; granting is a rare, manual act.
 */
export async function main(argv: string[], out: (line: string) => void): Promise<number> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (error) {
    out((error as Error).message);
    return 2;
  }
  const project = args.project ?? process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!project) {
    out(`no project: pass --project ID or set GCLOUD_PROJECT\n${USAGE}`);
    return 2;
  }
  const name = `admin-grant-${project}`;
  const auth = getAuth(getApps().find((a) => a.name === name) ?? initializeApp({ projectId: project }, name));
  const who = args.email !== undefined ? printable(args.email, 80) : `uid ${printable(args.uid!, 128)}`;
  try {
    let user: UserRecord;
    try {
      user = args.email !== undefined ? await auth.getUserByEmail(args.email) : await auth.getUser(args.uid!);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'auth/user-not-found') {
        out(`no account ${who} in project ${project}: create it first (Firebase console, Authentication)`);
        return 1;
      }
      throw error;
    }
    const { admin, ...others } = user.customClaims ?? {};
    const label = `${who} (uid ${printable(user.uid, 128)})`;
    if (!args.revoke && admin === true) {
      out(`${label} already has the admin claim; nothing changed`);
      return 0;
    }
    if (args.revoke && admin === undefined) {
      out(`${label} has no admin claim; nothing changed`);
      return 0;
    }
    await auth.setCustomUserClaims(user.uid, args.revoke ? others : { ...others, admin: true });
    const kept = Object.keys(others).length;
    out(`${args.revoke ? 'revoked' : 'granted'} the admin claim ${args.revoke ? 'from' : 'to'} ${label} in project ${project}${kept ? ` (${kept} other claim${kept > 1 ? 's' : ''} kept)` : ''}`);
    out(
      args.revoke
        ? 'An ID token already issued keeps it until it expires (one hour at most): the API does not check revocation per request.'
        : 'It reaches the status page at the next sign-in (ID tokens carry the claims they were minted with).',
    );
    return 0;
  } catch (error) {
    out(`error: ${printable((error as Error).message, 300)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), (line) => console.log(line)).then((code) => process.exit(code));
}
