// Rules of each kind and shape, as the library sends them, for tests.
import type { Rule } from './bindings/Rule';

export const defaultRulesSample: Rule[] = [
  {
    id: 1,
    name: 'Director',
    enabled: true,
    body: { kind: 'fit', condition: { field: 'job_title', key: null, test: { op: 'contains', value: 'Director' } }, points: 15 },
  },
  {
    id: 2,
    name: 'Company of 51 or more',
    enabled: false,
    body: { kind: 'fit', condition: { field: 'company_size', key: null, test: { op: 'range', min: 51, max: null } }, points: 10 },
  },
  {
    id: 3,
    name: 'Pricing page visit',
    enabled: true,
    body: {
      kind: 'behaviour',
      event_type: 'page_view',
      filter: { property: 'url', test: { op: 'contains', value: '/pricing' } },
      points: 10,
      cap: 30,
      decay: { type: 'half_life', days: 30 },
      once_per: null,
    },
  },
  {
    id: 4,
    name: 'White paper download',
    enabled: true,
    body: { kind: 'behaviour', event_type: 'whitepaper_download', filter: null, points: 10, cap: null, decay: { type: 'none' }, once_per: 'asset' },
  },
  {
    id: 5,
    name: 'Do not contact',
    enabled: true,
    body: { kind: 'disqualify', condition: { field: 'custom', key: 'do_not_contact', test: { op: 'one_of', values: ['true', 'yes'] } } },
  },
];
