import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ConversationStatus } from './enums';
import type { User } from './user.entity';
import type { Task } from './task.entity';

/** One message of a conversation with the generation assistant. */
export interface ConversationMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
  at: string;
}

@Entity('conversations')
export class Conversation {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @ManyToOne('User', (user: User) => user.conversations, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  // The one index besides primary keys that the schema ships with (a UNIQUE constraint).
  @Column({ name: 'session_id', type: 'varchar', length: 64, unique: true })
  sessionId: string;

  @Column({ name: 'task_id', type: 'uuid', nullable: true })
  taskId: string | null;

  @ManyToOne('Task', { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'task_id' })
  task?: Task | null;

  @Column({ type: 'varchar', length: 20 })
  status: ConversationStatus;

  @Column({ type: 'json' })
  messages: ConversationMessage[];

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;
}
