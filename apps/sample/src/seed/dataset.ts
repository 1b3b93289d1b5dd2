import {
  CONVERSATION_STATUSES,
  GENERATION_STATUSES,
  RESOURCE_TYPES,
  SCRIPT_STATUSES,
  TASK_PRIORITIES,
  TASK_STATUSES,
  USER_PLANS,
} from '../entities';
import { cumulative, SeededRandom } from './random';
import { isoDateTime } from './utc';

/**
 * How a column's value is encoded by the writers. `code` is text that never contains
 * whitespace, quotes or backslashes (ids, enum values), so it needs no escaping; `json` holds
 * serialized JSON text.
 */
export type ColumnKind = 'int' | 'code' | 'text' | 'time' | 'json';
export type TableName =
  'users' | 'tasks' | 'conversations' | 'scripts' | 'storyboards' | 'resources';
/** A row in column order; times are epoch milliseconds, json columns hold JSON text. */
export type Row = (string | number | null)[];

/** The seeded tables in dependency order (parents first), with their columns. */
export const TABLES: Record<TableName, [column: string, kind: ColumnKind][]> = {
  users: [
    ['id', 'int'],
    ['name', 'text'],
    ['email', 'text'],
    ['plan', 'code'],
    ['created_at', 'time'],
  ],
  tasks: [
    ['id', 'code'],
    ['user_id', 'int'],
    ['status', 'code'],
    ['priority', 'code'],
    ['topic', 'text'],
    ['created_at', 'time'],
    ['updated_at', 'time'],
  ],
  conversations: [
    ['id', 'int'],
    ['user_id', 'int'],
    ['session_id', 'code'],
    ['task_id', 'code'],
    ['status', 'code'],
    ['messages', 'json'],
    ['created_at', 'time'],
    ['updated_at', 'time'],
  ],
  scripts: [
    ['id', 'int'],
    ['task_id', 'code'],
    ['status', 'code'],
    ['structured_content', 'json'],
    ['created_at', 'time'],
  ],
  storyboards: [
    ['id', 'int'],
    ['task_id', 'code'],
    ['script_id', 'int'],
    ['sequence_number', 'int'],
    ['generation_status', 'code'],
    ['created_at', 'time'],
  ],
  resources: [
    ['id', 'int'],
    ['task_id', 'code'],
    ['resource_type', 'code'],
    ['generation_status', 'code'],
    ['url', 'text'],
    ['created_at', 'time'],
  ],
};
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];
/** Each table's column kinds, in column order. */
export const COLUMN_KINDS = Object.fromEntries(
  TABLE_NAMES.map((t) => [t, TABLES[t].map(([, kind]) => kind)]),
) as Record<TableName, ColumnKind[]>;

/** Where generated rows go. `flush` is awaited every few hundred tasks (backpressure). */
export interface RowSink {
  write(table: TableName, row: Row): void;
  flush(): Promise<void> | void;
}

export interface DatasetOptions {
  users: number;
  tasks: number;
  /** PRNG seed; the same seed gives the same rows. Default 42. */
  seed?: number;
}

export type RowCounts = Record<TableName, number>;

// Every timestamp is relative to this fixed instant, not "now", so reruns are identical.
const EPOCH = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

const FIRST = [
  'Ada',
  'Ben',
  'Chen',
  'Dara',
  'Eli',
  'Fatima',
  'Goran',
  'Hana',
  'Ivan',
  'Jia',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tomas',
  'Uma',
  'Viktor',
  'Wen',
  'Yara',
  'Zoe',
];
const LAST = [
  'Adams',
  'Becker',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Huang',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Weber',
];
const FORMATS = [
  'Explainer video',
  'Product demo',
  'Tutorial',
  'Short clip',
  'Podcast teaser',
  'Ad spot',
  'Training module',
  'Social reel',
  'Documentary short',
  'Launch trailer',
];
const ADJECTIVES = [
  'sustainable',
  'budget',
  'beginner-friendly',
  'advanced',
  'seasonal',
  'remote',
  'urban',
  'family',
  'healthy',
  'premium',
  'local',
  'quick',
];
const SUBJECTS = [
  'travel in Japan',
  'home espresso',
  'cloud security',
  'kitchen gardening',
  'electric bikes',
  'personal finance',
  'marathon training',
  'language learning',
  'smart homes',
  'street photography',
  'vegan baking',
  'team onboarding',
  'data privacy',
  'climbing gear',
  'interior design',
  'podcast editing',
];
const TONES = ['friendly', 'formal', 'playful', 'inspiring', 'technical'];
const SCENES = [
  'Hook',
  'Problem',
  'Solution',
  'Demo',
  'Testimonial',
  'Tips',
  'Recap',
  'Call to action',
];
const USER_LINES = [
  'Make it shorter',
  'Add a scene about pricing',
  'Use a warmer tone',
  'Can we get a vertical version?',
  'Looks good, generate the voiceover',
  'Swap the second scene',
];
const ASSISTANT_LINES = [
  'Done, the script now runs 45 seconds.',
  'I added the scene and regenerated the storyboards.',
  'Here is a revised draft.',
  'The voiceover is queued.',
  'Updated; two storyboards changed.',
];

// Uneven on purpose: real task tables are mostly finished work.
const PLAN_W = cumulative([80, 17, 3]);
const STATUS_W = cumulative([12, 5, 63, 8, 12]); // pending, processing, completed, failed, cancelled
const PRIORITY_W = cumulative([20, 60, 15, 5]); // low, normal, high, urgent
const SCRIPTS_PER_TASK = [1, 2, 3, 4, 5];
const SCRIPTS_W = cumulative([45, 25, 15, 10, 5]);
const STORYBOARDS_PER_SCRIPT = [1, 2, 3];
const STORYBOARDS_W = cumulative([55, 30, 15]);
const RESOURCES_PER_SCRIPT = [0, 1, 2];
const RESOURCES_W = cumulative([30, 45, 25]);
const SCRIPT_STATUS_W = cumulative([15, 10, 65, 10]);
const GEN_STATUS_W = cumulative([8, 4, 83, 5]);
const CONVERSATION_STATUS_W = cumulative([20, 60, 20]);
// How task ownership is skewed: user index = floor(users * u^SKEW), u uniform in [0, 1).
// With 3, the top 1% of users own about a fifth of all tasks and user 1 owns the most.
const OWNER_SKEW = 3;

/**
 * Generates the sample dataset, deterministically from `seed`, and streams it into `sink` in
 * dependency order per task (a task, then its scripts, storyboards, resources, conversation).
 */
export async function generateDataset(options: DatasetOptions, sink: RowSink): Promise<RowCounts> {
  const rnd = new SeededRandom(options.seed ?? 42);
  const counts: RowCounts = {
    users: 0,
    tasks: 0,
    conversations: 0,
    scripts: 0,
    storyboards: 0,
    resources: 0,
  };

  for (let id = 1; id <= options.users; id++) {
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    sink.write('users', [
      id,
      `${first} ${last}`,
      `${first}.${last}.${id}@example.com`.toLowerCase(),
      rnd.weighted(USER_PLANS, PLAN_W),
      EPOCH - 400 * DAY - rnd.int(0, 700) * DAY,
    ]);
    counts.users++;
    if (id % 1000 === 0) await sink.flush();
  }

  for (let t = 0; t < options.tasks; t++) {
    const taskId = rnd.uuid();
    const userId = 1 + Math.floor(options.users * rnd.next() ** OWNER_SKEW);
    const created = EPOCH - rnd.int(0, 365 * DAY);
    const updated = created + rnd.int(0, 3 * DAY);
    const status = rnd.weighted(TASK_STATUSES, STATUS_W);
    const topic = `${rnd.pick(FORMATS)} about ${rnd.pick(ADJECTIVES)} ${rnd.pick(SUBJECTS)}`;
    sink.write('tasks', [
      taskId,
      userId,
      status,
      rnd.weighted(TASK_PRIORITIES, PRIORITY_W),
      topic,
      created,
      updated,
    ]);
    counts.tasks++;

    const scriptCount = rnd.weighted(SCRIPTS_PER_TASK, SCRIPTS_W);
    for (let s = 1; s <= scriptCount; s++) {
      const scriptId = ++counts.scripts;
      const scriptCreated = created + s * 60_000;
      const sceneCount = rnd.int(2, 4);
      let scenes = '';
      for (let i = 0; i < sceneCount; i++) {
        scenes += `${i ? ',' : ''}{"heading":"${rnd.pick(SCENES)}","seconds":${rnd.int(4, 20)}}`;
      }
      const status = rnd.weighted(SCRIPT_STATUSES, SCRIPT_STATUS_W);
      // JSON written directly (every word list is checked JSON-safe at load): at ten million
      // rows, JSON.stringify of a fresh object per row is a large share of the seeding time.
      const content = `{"title":"${topic} (draft ${s})","tone":"${rnd.pick(TONES)}","scenes":[${scenes}]}`;
      sink.write('scripts', [scriptId, taskId, status, content, scriptCreated]);
      const storyboardCount = rnd.weighted(STORYBOARDS_PER_SCRIPT, STORYBOARDS_W);
      for (let n = 1; n <= storyboardCount; n++) {
        sink.write('storyboards', [
          ++counts.storyboards,
          taskId,
          scriptId,
          n,
          rnd.weighted(GENERATION_STATUSES, GEN_STATUS_W),
          scriptCreated + n * 1_000,
        ]);
      }
      const resourceCount = rnd.weighted(RESOURCES_PER_SCRIPT, RESOURCES_W);
      for (let r = 0; r < resourceCount; r++) {
        const resourceId = ++counts.resources;
        const generation = rnd.weighted(GENERATION_STATUSES, GEN_STATUS_W);
        const type = rnd.pick(RESOURCE_TYPES);
        sink.write('resources', [
          resourceId,
          taskId,
          type,
          generation,
          generation === 'done' ? `https://cdn.example.com/${type}/${taskId}/${resourceId}` : null,
          scriptCreated + 30_000,
        ]);
      }
    }

    if (rnd.next() < 0.5) {
      const turns = rnd.int(1, 2);
      let messages = message('system', `Brief: ${topic}`, created);
      for (let i = 0; i < turns; i++) {
        messages += ',' + message('user', rnd.pick(USER_LINES), created + (2 * i + 1) * 60_000);
        messages +=
          ',' + message('assistant', rnd.pick(ASSISTANT_LINES), created + (2 * i + 2) * 60_000);
      }
      sink.write('conversations', [
        ++counts.conversations,
        userId,
        rnd.hex128(),
        taskId,
        rnd.weighted(CONVERSATION_STATUSES, CONVERSATION_STATUS_W),
        `[${messages}]`,
        created,
        updated,
      ]);
    }
    if (t % 500 === 499) await sink.flush();
  }
  await sink.flush();
  return counts;
}

function message(role: string, content: string, at: number): string {
  return `{"role":"${role}","content":"${content}","at":"${isoDateTime(at)}"}`;
}

// The JSON above is built by hand from these lists; make sure none needs escaping.
for (const word of [
  FIRST,
  LAST,
  FORMATS,
  ADJECTIVES,
  SUBJECTS,
  TONES,
  SCENES,
  USER_LINES,
  ASSISTANT_LINES,
].flat()) {
  if (JSON.stringify(word) !== `"${word}"` || /[\s\\]/.test(word.replace(/ /g, ''))) {
    throw new Error(`dataset: word list entry ${JSON.stringify(word)} is not JSON/COPY safe`);
  }
}
