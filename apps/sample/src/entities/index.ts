import { Conversation } from './conversation.entity';
import { Resource } from './resource.entity';
import { Script } from './script.entity';
import { Storyboard } from './storyboard.entity';
import { Task } from './task.entity';
import { User } from './user.entity';

export { Conversation, Resource, Script, Storyboard, Task, User };
export type { ConversationMessage } from './conversation.entity';
export type { ScriptContent } from './script.entity';
export * from './enums';

/** Every entity of the sample app, for the DataSource. */
export const ENTITIES = [User, Task, Conversation, Script, Storyboard, Resource];
