//! `fidelis user add` and `fidelis user token`, and the accounts created on a first start.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use fidelis_domain::Role;
use fidelis_server::auth::{
    PasswordCost, hash_password, random_password, random_token, token_hash,
};
use fidelis_store::Store;
use std::io::Read;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; without --password-stdin a random password is generated and printed once.
    Add {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        #[arg(long)]
        username: String,
        /// admin, analyst or agent.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create an API token for a user (for integrations); printed once, stored as a hash.
    Token {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "integration")]
        name: String,
    },
}

pub async fn run(command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            db,
            username,
            role,
            password_stdin,
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!("unknown role {role:?}: expected admin, analyst or agent");
            };
            let (password, generated) = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the password from stdin")?;
                let password = text.trim_end_matches(['\n', '\r']).to_owned();
                if password.chars().count() < 12 {
                    bail!("the password must have at least 12 characters");
                }
                (password, false)
            } else {
                (random_password(), true)
            };
            let store = Store::open(&db).await?;
            create(&store, &username, role, &password).await?;
            store.close().await;
            if generated {
                println!(
                    "user {username} ({}) created; password: {password}",
                    role.as_str()
                );
            } else {
                println!("user {username} ({}) created", role.as_str());
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Token { db, username, name } => {
            let store = Store::open(&db).await?;
            let Some((user, _)) = store.user_credentials(&username).await? else {
                bail!("no user named {username:?}");
            };
            let token = random_token();
            store
                .create_api_token(user.id, &name, &token_hash(&token), chrono::Utc::now())
                .await?;
            store.close().await;
            println!("API token for {username} ({name}), shown once: {token}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(store: &Store, username: &str, role: Role, password: &str) -> Result<()> {
    let hash =
        hash_password(password, PasswordCost::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    store
        .create_user(username, &hash, role, chrono::Utc::now())
        .await?;
    Ok(())
}

/// On a database without users, creates the first accounts with random passwords and prints them once:
/// one per role for the demo, an admin otherwise. There is never a fixed default password.
pub async fn ensure_first_users(store: &Store, demo: bool) -> Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    let accounts: &[(&str, Role)] = if demo {
        &[
            ("admin", Role::Admin),
            ("analyst", Role::Analyst),
            ("agent", Role::Agent),
        ]
    } else {
        &[("admin", Role::Admin)]
    };
    println!("First start: these accounts were created (passwords are shown only now):");
    for (username, role) in accounts {
        let password = random_password();
        create(store, username, *role, &password).await?;
        println!("  {username:<8} {password}  ({})", role.as_str());
    }
    Ok(())
}
