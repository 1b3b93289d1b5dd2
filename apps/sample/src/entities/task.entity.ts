import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { TaskPriority, TaskStatus } from './enums';
import type { User } from './user.entity';
import type { Script } from './script.entity';
import type { Storyboard } from './storyboard.entity';
import type { Resource } from './resource.entity';

@Entity('tasks')
export class Task {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @ManyToOne('User', (user: User) => user.tasks, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 20 })
  status: TaskStatus;

  @Column({ type: 'varchar', length: 10 })
  priority: TaskPriority;

  @Column({ type: 'text' })
  topic: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;

  @OneToMany('Script', (script: Script) => script.task)
  scripts?: Script[];

  @OneToMany('Storyboard', (storyboard: Storyboard) => storyboard.task)
  storyboards?: Storyboard[];

  @OneToMany('Resource', (resource: Resource) => resource.task)
  resources?: Resource[];
}
