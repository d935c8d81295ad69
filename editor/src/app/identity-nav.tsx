// The navigation and pages of identity and access, kept in their own file: Sessions for everyone, the
// audit log and model access for admins.
import type { User } from '../api/schemas';
import { AdminAuditPage } from '../pages/admin-audit';
import { AdminModelAccessPage } from '../pages/admin-model-access';
import { SessionsPage } from '../pages/sessions';
import { auditHref, modelAccessHref, sessionsHref, type IdentityRoute, type Route } from './router';

export function IdentityNavLinks({ route, user }: { route: Route; user: User }) {
  const current = (page: Route['page']) => (route.page === page ? 'page' : undefined);
  return (
    <>
      <a href={sessionsHref} aria-current={current('sessions')}>Sessions</a>
      {user.role === 'admin' ? <a href={auditHref} aria-current={current('admin-audit')}>Audit log</a> : null}
      {user.role === 'admin' ? <a href={modelAccessHref} aria-current={current('admin-model-access')}>Model access</a> : null}
    </>
  );
}

export const isIdentityRoute = (route: Route): route is IdentityRoute => route.page === 'sessions' || route.page === 'admin-audit' || route.page === 'admin-model-access';

export function IdentityPage({ route, user }: { route: IdentityRoute; user: User }) {
  if (route.page === 'sessions') return <SessionsPage />;
  if (user.role !== 'admin') return <p className="pending">This page is for admins.</p>;
  return route.page === 'admin-audit' ? <AdminAuditPage /> : <AdminModelAccessPage />;
}
